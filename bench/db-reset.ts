/**
 * Benchmark: per-test isolation of the database. Resetting it to a known state by cloning a template
 * database (DROP ... WITH (FORCE); CREATE DATABASE ... TEMPLATE) against restarting the PostgreSQL
 * container, side by side on the same container, with the app's schema (its Flyway migration) and some
 * rows. Both timed end to end from this machine, docker exec included. Medians of repeated runs.
 *
 *   npm run bench:db-reset -- [runs]   (default 5)
 */
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig, REPO_ROOT } from "../harness/config.ts";
import { DatabaseContainer } from "../harness/containers/database-container.ts";
import { ensureEngine } from "../harness/engine/docker-engine.ts";
import { testcontainersEnv } from "../harness/engine/testcontainers-env.ts";
import { ImageResolver } from "../harness/images/image-resolver.ts";
import { LABEL_OWNER, removeLabelled } from "../harness/support/cleanup.ts";
import { run } from "../harness/support/run.ts";
import { median, round, writeResult } from "./lib.ts";

Object.assign(process.env, testcontainersEnv());
const runs = Number(process.argv[2] ?? 5);
const config = loadConfig();
await ensureEngine(config);
const postgres = await new ImageResolver(config).resolve("postgres");
const owner = `bench-${randomUUID().slice(0, 8)}`;
try {
  const database = await new DatabaseContainer(postgres.reference, owner)
    .withDatabase("threadcast")
    .withUsername("threadcast")
    .withLabels({ [LABEL_OWNER]: owner })
    .start();
  const id = database.getId();
  /** Runs statements in one psql call (each `docker exec` costs tens of milliseconds). */
  const psql = async (db: string, ...statements: string[]) => {
    const result = await run("docker", [
      "exec",
      id,
      "psql",
      "-U",
      "threadcast",
      "-d",
      db,
      "-v",
      "ON_ERROR_STOP=1",
      "-qtA",
      ...statements.flatMap((sql) => ["-c", sql]),
    ]);
    if (result.code !== 0) throw new Error(result.stderr);
    return result.stdout.trim();
  };

  // The template: the app's migrations and a few thousand rows, as a test suite's starting state.
  const migrations = join(
    REPO_ROOT,
    "fixtures",
    "threadcast-api",
    "src",
    "main",
    "resources",
    "db",
    "migration",
  );
  await psql("postgres", "CREATE DATABASE template_state");
  for (const file of readdirSync(migrations).sort())
    await psql("template_state", readFileSync(join(migrations, file), "utf8"));
  await psql(
    "template_state",
    `INSERT INTO users (id, email, password_hash, name) SELECT gen_random_uuid(), 'u' || g || '@t.test', 'x', 'U' FROM generate_series(1, 2000) g;
     INSERT INTO workspaces (id, owner_id, name) SELECT gen_random_uuid(), id, 'W' FROM users;`,
  );
  // WAL_LOG is PostgreSQL 15's default strategy; FILE_COPY copies files after a checkpoint.
  const strategy = process.env.CLONE_STRATEGY ?? "WAL_LOG";
  const clone = async () => {
    const started = performance.now();
    await psql(
      "postgres",
      "DROP DATABASE IF EXISTS test_state WITH (FORCE)",
      `CREATE DATABASE test_state TEMPLATE template_state STRATEGY ${strategy}`,
    );
    return performance.now() - started;
  };
  const restart = async () => {
    const started = performance.now();
    const restarted = await run("docker", ["restart", "--time", "10", id]);
    if (restarted.code !== 0) throw new Error(restarted.stderr);
    for (;;) {
      const ready = await run("docker", ["exec", id, "pg_isready", "-h", "127.0.0.1", "-U", "threadcast"]);
      if (ready.code === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return performance.now() - started;
  };
  await clone();
  const clones: number[] = [];
  const restarts: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    clones.push(await clone());
    restarts.push(await restart());
  }
  const rows = await psql("test_state", "SELECT count(*) FROM workspaces");
  const result = {
    runs,
    stateRows: Number(rows) * 2,
    cloneStrategy: strategy,
    templateCloneMs: { median: round(median(clones)), samples: clones.map((ms) => round(ms)) },
    containerRestartMs: { median: round(median(restarts)), samples: restarts.map((ms) => round(ms)) },
    speedup: { value: round(median(restarts) / median(clones), 1), target: 20 },
  };
  const file = await writeResult("db-reset", result);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n${file}\n`);
} finally {
  await removeLabelled(LABEL_OWNER, owner);
}
