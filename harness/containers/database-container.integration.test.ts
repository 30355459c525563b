import type { StartedPostgreSqlContainer } from "@testcontainers/postgresql";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { publishedAddresses } from "../testing/published-addresses.ts";
import { DatabaseContainer } from "./database-container.ts";

describe("the database on the catalog's PostgreSQL image", () => {
  let database: StartedPostgreSqlContainer | undefined;
  let client: pg.Client | undefined;

  beforeAll(async () => {
    database = await new DatabaseContainer(inject("images").postgres as string, inject("runOwner"))
      .withDatabase("threadcast")
      .withUsername("threadcast")
      .start();
    client = new pg.Client({ connectionString: database.getConnectionUri() });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
    await database?.stop();
  });

  it("answers select version() with PostgreSQL 15.x", async () => {
    const { rows } = await client!.query<{ version: string }>("select version()");
    expect(rows[0]?.version).toMatch(/^PostgreSQL 15\.\d+/);
  });

  it("created the requested database and user, and stores what it is given", async () => {
    const { rows } = await client!.query<{ db: string; usr: string }>(
      "select current_database() as db, current_user as usr",
    );
    expect(rows[0]).toEqual({ db: "threadcast", usr: "threadcast" });
    await client!.query("create table probe (id serial primary key, note text not null)");
    await client!.query("insert into probe (note) values ($1), ($2)", ["first", "second"]);
    const stored = await client!.query<{ note: string }>("select note from probe order by id");
    expect(stored.rows.map((row) => row.note)).toEqual(["first", "second"]);
  });

  it("refuses a wrong password over TCP (scram-sha-256, no trust for remote clients)", async () => {
    const url = new URL(database!.getConnectionUri());
    url.password = "not-the-password";
    const intruder = new pg.Client({ connectionString: url.toString() });
    await expect(intruder.connect()).rejects.toThrow(/password authentication failed/);
    await intruder.end().catch(() => undefined);
  });

  it("publishes its port on the loopback address only", () => {
    expect(publishedAddresses(database!.getId(), "5432/tcp")).toEqual([`127.0.0.1:${database!.getPort()}`]);
  });
});
