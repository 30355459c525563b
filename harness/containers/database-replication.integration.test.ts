import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import type { StartedPostgreSqlContainer } from "@testcontainers/postgresql";
import { GenericContainer, Wait, type StartedTestContainer } from "testcontainers";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { LABEL_OWNER } from "../support/cleanup.ts";
import { DatabaseContainer } from "./database-container.ts";
import {
  createReplicationRole,
  failover,
  makeSynchronous,
  rejoinAsStandby,
  replicationState,
  STANDBY_FILES,
  type ReplicaPair,
} from "./database-replication.ts";

const ENDPOINT = "database.twin.internal";
const USER = "threadcast";

/**
 * Multi-AZ RDS as two PostgreSQL 15 containers: synchronous streaming replication to the standby, and
 * RDS's reboot with failover (the standby promoted, the endpoint's name moved to it, the old primary
 * back as the new standby), seen from a client on the network that only knows the endpoint's name.
 */
describe("Multi-AZ database: a synchronous standby, and a failover that moves the endpoint", () => {
  const owner = inject("runOwner");
  const image = inject("images").postgres as string;
  const network = `${owner}-multi-az`;
  const replicationPassword = randomBytes(18).toString("base64url");
  let primary: StartedPostgreSqlContainer;
  let standby: StartedPostgreSqlContainer;
  let client: StartedTestContainer;
  /**
   * The twin's resolver (the catalog's dnsmasq, empty: NXDOMAIN for every name Docker does not hold).
   * The standby's WAL receiver looks the stopped primary's name up and the promotion waits for it: with
   * this machine's resolver behind Docker's instead, that lookup took 10 s to fail.
   */
  let resolver: StartedTestContainer | undefined;
  let resolverAddress = "";
  let pair: ReplicaPair;

  /** psql from the client container, through the endpoint's name, as the app reaches the database. */
  const throughEndpoint = (statement: string) =>
    execFileSync(
      "docker",
      [
        "exec",
        "-e",
        `PGPASSWORD=${primary.getPassword()}`,
        client.getId(),
        "psql",
        "-h",
        ENDPOINT,
        "-U",
        USER,
        "-d",
        USER,
        "-v",
        "ON_ERROR_STOP=1",
        "-qtAc",
        statement,
      ],
      { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
    ).trim();
  /** psql in one node over its own socket. */
  const onNode = (container: string, statement: string) =>
    execFileSync("docker", ["exec", container, "psql", "-U", USER, "-d", USER, "-qtAc", statement], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    }).trim();
  const eventually = async <T>(check: () => T, timeoutMs = 20_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        return check();
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  };

  beforeAll(async () => {
    execFileSync("docker", [
      "network",
      "create",
      "--internal",
      "--label",
      `${LABEL_OWNER}=${owner}`,
      network,
    ]);
    resolver = await new GenericContainer(inject("images").dns as string)
      .withLabels({ [LABEL_OWNER]: owner })
      .withNetworkMode(network)
      .withWaitStrategy(Wait.forLogMessage(/started, version/))
      .start();
    resolverAddress = execFileSync(
      "docker",
      ["inspect", "-f", `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, resolver.getId()],
      { encoding: "utf8" },
    ).trim();
    expect(resolverAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    primary = await new DatabaseContainer(image, owner)
      .withUsername(USER)
      .withDatabase(USER)
      .resolvingThrough(resolverAddress)
      .isolatedOn(network, ENDPOINT)
      .start();
    await createReplicationRole(primary.getId(), USER, replicationPassword);
    standby = await new DatabaseContainer(image, owner)
      .withUsername(USER)
      .withDatabase(USER)
      .withCopyContentToContainer([
        { content: `${ENDPOINT}\n`, target: STANDBY_FILES.standbyOf, mode: 0o644 },
        { content: replicationPassword, target: STANDBY_FILES.replicationSecret, mode: 0o600 },
      ])
      .resolvingThrough(resolverAddress)
      .isolatedOn(network, "standby.twin.internal")
      .start();
    client = await new GenericContainer(image)
      .withLabels({ [LABEL_OWNER]: owner })
      .withNetworkMode(network)
      .withCommand(["sleep", "infinity"])
      .start();
    pair = {
      primary: primary.getId(),
      standby: standby.getId(),
      network,
      endpoint: ENDPOINT,
      superuser: USER,
    };
    await makeSynchronous(pair.primary, USER, 60_000);
  });

  afterAll(async () => {
    for (const container of [client, standby, primary, resolver])
      await container?.stop().catch(() => undefined);
    execFileSync("docker", ["network", "rm", network]);
  });

  it("streams to the standby synchronously: a commit on the primary is on the standby, which refuses writes", async () => {
    expect(await replicationState(pair.primary, USER)).toEqual([
      { name: expect.any(String), state: "streaming", sync: "sync" },
    ]);
    throughEndpoint("CREATE TABLE missions (id serial PRIMARY KEY, title text NOT NULL)");
    throughEndpoint("INSERT INTO missions (title) VALUES ('before the failover')");
    const replicated = await eventually(() => {
      const title = onNode(pair.standby, "SELECT title FROM missions");
      if (title === "") throw new Error("the row is not on the standby yet");
      return title;
    });
    expect(replicated).toBe("before the failover");
    expect(onNode(pair.standby, "SELECT pg_is_in_recovery()")).toBe("t");
    expect(() => onNode(pair.standby, "INSERT INTO missions (title) VALUES ('on the standby')")).toThrow(
      /read-only transaction/,
    );
  });

  it("fails over: the standby promoted, the endpoint's name on it, writes through the name accepted", async () => {
    const before = pair;
    const report = await failover(pair);
    pair = report.pair;
    expect(pair.primary).toBe(before.standby);
    expect(onNode(pair.primary, "SELECT pg_is_in_recovery()")).toBe("f");
    // A client that knows only the name reaches the new primary (its address changed) and may write.
    await eventually(() => throughEndpoint("INSERT INTO missions (title) VALUES ('after the failover')"));
    expect(throughEndpoint("SELECT title FROM missions ORDER BY id")).toBe(
      "before the failover\nafter the failover",
    );
    expect(report.timingsMs.endpointMoved).toBeGreaterThanOrEqual(report.timingsMs.promoted);
  });

  it("brings the old primary back as the new standby, synchronous again, with every commit", async () => {
    const name = await rejoinAsStandby(pair, replicationPassword, 60_000);
    expect(await replicationState(pair.primary, USER)).toEqual([{ name, state: "streaming", sync: "sync" }]);
    throughEndpoint("INSERT INTO missions (title) VALUES ('after the rejoin')");
    expect(
      await eventually(() => {
        const titles = onNode(pair.standby, "SELECT string_agg(title, ',' ORDER BY id) FROM missions");
        if (!titles.includes("after the rejoin")) throw new Error(`standby has ${titles}`);
        return titles;
      }),
    ).toBe("before the failover,after the failover,after the rejoin");
    expect(onNode(pair.standby, "SELECT pg_is_in_recovery()")).toBe("t");
  });
});
