/**
 * Benchmark: per-test isolation of the database. Before each reset a "test" dirties the state (100 new
 * workspaces); the reset must bring back the known state: the app's schema (its Flyway migration) and
 * 2000 users with a workspace each. Side by side, on PostgreSQL 15 from the catalog's image, through one
 * kept connection from this machine, as a test suite's reset hook would run:
 *  - template clone: DROP DATABASE ... WITH (FORCE); CREATE DATABASE ... TEMPLATE, then reconnect;
 *  - truncate and reseed: TRUNCATE every table, then the seed rows copied back from a seed schema;
 *  - truncate to the empty schema: when each test makes its own rows (as the scenarios do);
 *  - container restart (docker restart, until a connection succeeds): the issue's comparison, although
 *    it resets nothing (the dirty rows survive; the benchmark counts them to show it);
 *  - container recreate: a new container, the migration and the seed: what a reset by container costs.
 * Every reset is checked: the known state's row count and no dirty row. Medians of repeated runs.
 *
 *   npm run bench:db-reset -- [runs]   (default 5)
 */
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import type { StartedPostgreSqlContainer } from "@testcontainers/postgresql";
import { loadConfig, REPO_ROOT } from "../harness/config.ts";
import { DatabaseContainer } from "../harness/containers/database-container.ts";
import { ensureEngine } from "../harness/engine/docker-engine.ts";
import { testcontainersEnv } from "../harness/engine/testcontainers-env.ts";
import { ImageResolver } from "../harness/images/image-resolver.ts";
import { LABEL_OWNER, removeLabelled } from "../harness/support/cleanup.ts";
import { run } from "../harness/support/run.ts";
import { median, onInterrupt, round, writeResult } from "./lib.ts";

Object.assign(process.env, testcontainersEnv());
const runs = Number(process.argv[2] ?? 5);
const config = loadConfig();
await ensureEngine(config);
const postgres = await new ImageResolver(config).resolve("postgres");
const owner = `bench-${randomUUID().slice(0, 8)}`;
const USERS = 2000;
const MIGRATIONS = join(
  REPO_ROOT,
  "fixtures",
  "threadcast-api",
  "src",
  "main",
  "resources",
  "db",
  "migration",
);
const TABLES = ["todos", "missions", "workspaces", "users"];
const SEED = `INSERT INTO users (id, email, password_hash, name)
    SELECT gen_random_uuid(), 'u' || g || '@t.test', 'x', 'U' FROM generate_series(1, ${USERS}) g;
  INSERT INTO workspaces (id, owner_id, name) SELECT gen_random_uuid(), id, 'W' FROM users;`;

const startDatabase = () =>
  new DatabaseContainer(postgres.reference, owner)
    .withDatabase("threadcast")
    .withUsername("threadcast")
    .withLabels({ [LABEL_OWNER]: owner })
    .start();

/** The container's published PostgreSQL port now (a restart may publish it on another host port). */
async function publishedPort(container: StartedPostgreSqlContainer): Promise<number> {
  const listed = await run("docker", ["port", container.getId(), "5432/tcp"]);
  const port = Number(listed.stdout.trim().split("\n")[0]?.split(":").pop());
  if (!Number.isInteger(port))
    throw new Error(`no published port for 5432: ${listed.stdout}${listed.stderr}`);
  return port;
}

/** A connection to one database of the container, retried until the server accepts it (after a restart). */
async function connect(
  container: StartedPostgreSqlContainer,
  database: string,
  port?: number,
): Promise<pg.Client> {
  const deadline = performance.now() + 60_000;
  for (;;) {
    const client = new pg.Client({
      host: container.getHost(),
      port: port ?? container.getMappedPort(5432),
      user: container.getUsername(),
      password: container.getPassword(),
      database,
    });
    // A reset that ends this connection from the server side (DROP ... WITH (FORCE)) is expected.
    client.on("error", () => undefined);
    try {
      await client.connect();
      return client;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (performance.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** The known state in `database`: the migration, the seed, and a copy of the seed rows in schema "seed". */
async function buildState(container: StartedPostgreSqlContainer, database: string): Promise<void> {
  const client = await connect(container, database);
  try {
    for (const file of readdirSync(MIGRATIONS).sort())
      await client.query(readFileSync(join(MIGRATIONS, file), "utf8"));
    await client.query(SEED);
    await client.query("CREATE SCHEMA seed");
    for (const table of TABLES) await client.query(`CREATE TABLE seed.${table} AS TABLE public.${table}`);
  } finally {
    await client.end();
  }
}

/** What a test leaves behind: 100 workspaces of its own. */
const dirty = (client: pg.Client) =>
  client.query(
    "INSERT INTO workspaces (id, owner_id, name) SELECT gen_random_uuid(), id, 'dirty' FROM users LIMIT 100",
  );

/** The state after a reset: workspaces in all, and how many of them a test made. */
async function state(client: pg.Client): Promise<{ workspaces: number; dirty: number }> {
  const rows = await client.query<{ all: string; dirty: string }>(
    "SELECT count(*) AS all, count(*) FILTER (WHERE name = 'dirty') AS dirty FROM workspaces",
  );
  return { workspaces: Number(rows.rows[0]?.all), dirty: Number(rows.rows[0]?.dirty) };
}

const timed = async (work: () => Promise<void>) => {
  const started = performance.now();
  await work();
  return performance.now() - started;
};

onInterrupt(() => removeLabelled(LABEL_OWNER, owner));
try {
  const database = await startDatabase();
  await buildState(database, "threadcast");
  let port = database.getMappedPort(5432);
  let admin = await connect(database, "postgres");
  await admin.query("CREATE DATABASE template_state TEMPLATE threadcast");
  await admin.query("CREATE DATABASE test_state TEMPLATE template_state");
  let client = await connect(database, "test_state");

  const samples: Record<string, number[]> = {
    templateClone: [],
    truncateReseed: [],
    truncateEmpty: [],
    containerRestart: [],
    containerRecreate: [],
  };
  const problems: string[] = [];
  /** A reset must leave exactly the known state. */
  const check = async (strategy: string, on: pg.Client) => {
    const found = await state(on);
    if (found.workspaces !== USERS || found.dirty !== 0)
      problems.push(`${strategy}: ${JSON.stringify(found)} after the reset`);
  };
  let restartLeft = { workspaces: 0, dirty: 0 };
  for (let index = 0; index < runs; index += 1) {
    await dirty(client);
    samples.templateClone?.push(
      await timed(async () => {
        await admin.query("DROP DATABASE test_state WITH (FORCE)");
        await admin.query("CREATE DATABASE test_state TEMPLATE template_state");
        await client.end().catch(() => undefined);
        client = await connect(database, "test_state", port);
      }),
    );
    await check("template clone", client);

    await dirty(client);
    samples.truncateReseed?.push(
      await timed(async () => {
        await client.query(
          `BEGIN; TRUNCATE ${TABLES.join(", ")}; ${[...TABLES]
            .reverse()
            .map((table) => `INSERT INTO ${table} SELECT * FROM seed.${table};`)
            .join(" ")} COMMIT;`,
        );
      }),
    );
    await check("truncate and reseed", client);

    // The scenarios' model: every test makes its own user and rows, so the known state is the empty
    // schema. Measured in a scratch database cloned from the state (kept apart from the others).
    await admin.query("CREATE DATABASE empty_state TEMPLATE template_state");
    const scratch = await connect(database, "empty_state", port);
    await dirty(scratch);
    samples.truncateEmpty?.push(
      await timed(async () => {
        await scratch.query(`TRUNCATE ${TABLES.join(", ")}`);
      }),
    );
    const emptied = await state(scratch);
    if (emptied.workspaces !== 0) problems.push(`truncate (empty state): ${JSON.stringify(emptied)}`);
    await scratch.end();
    await admin.query("DROP DATABASE empty_state");

    await dirty(client);
    await admin.end();
    await client.end();
    samples.containerRestart?.push(
      await timed(async () => {
        const restarted = await run("docker", ["restart", "--time", "10", database.getId()]);
        if (restarted.code !== 0) throw new Error(restarted.stderr);
        port = await publishedPort(database);
        client = await connect(database, "test_state", port);
      }),
    );
    // A restart keeps every row: count what the "test" left, then clean up by hand for the next run.
    restartLeft = await state(client);
    await client.query("DELETE FROM workspaces WHERE name = 'dirty'");
    admin = await connect(database, "postgres", port);

    samples.containerRecreate?.push(
      await timed(async () => {
        const fresh = await startDatabase();
        await buildState(fresh, "threadcast");
        const probe = await connect(fresh, "threadcast");
        await check("container recreate", probe);
        await probe.end();
        await run("docker", ["rm", "-f", "-v", fresh.getId()]);
      }),
    );
  }
  await Promise.all([client.end(), admin.end()]);

  const medians = Object.fromEntries(
    Object.entries(samples).map(([name, values]) => [name, round(median(values))]),
  );
  const result = {
    runs,
    knownState: `the app's schema, ${USERS} users, ${USERS} workspaces; each reset follows 100 dirty rows`,
    via: "one kept pg connection from this machine (no docker exec per statement)",
    medianMs: medians,
    samplesMs: Object.fromEntries(
      Object.entries(samples).map(([name, values]) => [name, values.map((ms) => round(ms))]),
    ),
    containerRestartResets: restartLeft.dirty === 0,
    containerRestartLeft: restartLeft,
    speedupVsRestart: {
      templateClone: round((medians.containerRestart ?? 0) / (medians.templateClone ?? 1), 1),
      truncateReseed: round((medians.containerRestart ?? 0) / (medians.truncateReseed ?? 1), 1),
      truncateEmpty: round((medians.containerRestart ?? 0) / (medians.truncateEmpty ?? 1), 1),
      target: 20,
    },
    speedupVsRecreate: {
      templateClone: round((medians.containerRecreate ?? 0) / (medians.templateClone ?? 1), 1),
      truncateReseed: round((medians.containerRecreate ?? 0) / (medians.truncateReseed ?? 1), 1),
    },
    problems,
  };
  const file = await writeResult("db-reset", result);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n${file}\n`);
  process.exitCode = problems.length === 0 ? 0 : 1;
} finally {
  await removeLabelled(LABEL_OWNER, owner);
}
