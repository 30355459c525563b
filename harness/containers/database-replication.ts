import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HarnessError } from "../errors.ts";
import { run } from "../support/run.ts";
import { sqlLiteral } from "../support/sql-literal.ts";

/** The role a standby replicates as (its password is the environment's, like every other secret). */
export const REPLICATION_USER = "replicator";

/** Where the image's entrypoint looks for a standby's primary and its password (fixtures/images/postgres). */
export const STANDBY_FILES = {
  standbyOf: "/var/lib/postgresql/standby-of",
  replicationSecret: "/var/lib/postgresql/replication-password",
} as const;

/** A primary and its standby on one network, the endpoint name an alias of whichever is primary. */
export interface ReplicaPair {
  readonly primary: string;
  readonly standby: string;
  readonly network: string;
  /** The endpoint's name: a network alias that follows the primary. */
  readonly endpoint: string;
  /** The database's own superuser (local socket, trust), for the harness's statements. */
  readonly superuser: string;
}

/** Runs SQL (on stdin: no secret on a command line) as the superuser over the container's socket. */
async function sql(container: string, superuser: string, statements: string): Promise<string> {
  const result = await run(
    "docker",
    ["exec", "-i", container, "psql", "-U", superuser, "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-qtA"],
    { input: `SET log_min_error_statement = panic;\n${statements}` },
  );
  if (result.code !== 0) throw new HarnessError(`SQL in ${container} failed: ${result.stderr.trim()}`);
  return result.stdout.trim();
}

/** Creates (or updates) the replication role on the primary; the password goes in on stdin. */
export async function createReplicationRole(
  primary: string,
  superuser: string,
  password: string,
): Promise<void> {
  await sql(
    primary,
    superuser,
    [
      `SELECT 'CREATE ROLE ${REPLICATION_USER} LOGIN REPLICATION' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${REPLICATION_USER}') \\gexec`,
      `ALTER ROLE ${REPLICATION_USER} PASSWORD ${sqlLiteral(password)};`,
    ].join("\n"),
  ).catch((error: Error) => {
    throw new HarnessError(error.message.split(password).join("<password>"));
  });
}

/**
 * Leaves a container ready to start as a standby of `endpoint`: the endpoint's name and the replication
 * password as files in it (docker cp works on a created or stopped container; the password file is
 * read and removed by the entrypoint, never in the container's configuration).
 */
export async function prepareStandby(container: string, endpoint: string, password: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "standby-"));
  try {
    // The entrypoint reads the endpoint as postgres, the password (then removes it) as root.
    const files = [
      [STANDBY_FILES.standbyOf, `${endpoint}\n`, 0o644],
      [STANDBY_FILES.replicationSecret, password, 0o600],
    ] as const;
    for (const [target, content, mode] of files) {
      const source = join(dir, "file");
      writeFileSync(source, content, { mode });
      const copied = await run("docker", ["cp", source, `${container}:${target}`]);
      if (copied.code !== 0)
        throw new HarnessError(`cannot prepare standby ${container}: ${copied.stderr.trim()}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The standbys the primary streams to, with their synchronous state (pg_stat_replication). A standby
 * copying the primary connects under its own name too: pg_basebackup's backup sender ("backup") and its
 * WAL stream, which never replays (no replay_lsn). Neither is a standby, so neither is listed.
 */
export async function replicationState(
  primary: string,
  superuser: string,
): Promise<{ name: string; state: string; sync: string }[]> {
  const rows = await sql(
    primary,
    superuser,
    "SELECT application_name, state, sync_state FROM pg_stat_replication" +
      " WHERE state <> 'backup' AND replay_lsn IS NOT NULL ORDER BY application_name;",
  );
  return rows
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const [name = "", state = "", sync = ""] = line.split("|");
      return { name, state, sync };
    });
}

/** Polls `check` every `everyMs` until it returns a value, or fails naming `what` after `timeoutMs`. */
async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new HarnessError(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Commits wait for the named standby (Multi-AZ has exactly one), or for none (""). */
async function setSynchronous(primary: string, superuser: string, standby: string): Promise<void> {
  const names = standby === "" ? "" : `"${standby.replace(/"/g, '""')}"`;
  await sql(
    primary,
    superuser,
    `ALTER SYSTEM SET synchronous_standby_names = ${sqlLiteral(names)};\nSELECT pg_reload_conf();`,
  );
}

/**
 * Lets commits go on without a standby when none streams synchronously (as RDS goes on without a
 * failed standby until it is back): a primary resumed while its standby is down would otherwise hold
 * every commit. Says whether it had to; `makeSynchronous` makes them wait again once one streams.
 */
export async function goOnWithoutStandby(primary: string, superuser: string): Promise<boolean> {
  const streaming = await replicationState(primary, superuser);
  if (streaming.some((row) => row.state === "streaming" && row.sync === "sync")) return false;
  const names = await sql(primary, superuser, "SHOW synchronous_standby_names;");
  if (names === "") return false;
  await setSynchronous(primary, superuser, "");
  return true;
}

/**
 * Waits until the primary streams to a standby, then makes every commit wait for it (synchronous
 * replication, as Multi-AZ RDS commits to both zones). Resolves with the standby's application name.
 */
export async function makeSynchronous(
  primary: string,
  superuser: string,
  timeoutMs: number,
): Promise<string> {
  const streaming = await until(
    `a standby streaming from ${primary}`,
    async () => (await replicationState(primary, superuser)).find((row) => row.state === "streaming"),
    timeoutMs,
  );
  await setSynchronous(primary, superuser, streaming.name);
  await until(
    `${streaming.name} to become synchronous`,
    async () =>
      (await replicationState(primary, superuser)).some(
        (row) => row.name === streaming.name && row.sync === "sync",
      )
        ? true
        : undefined,
    timeoutMs,
  );
  return streaming.name;
}

async function docker(...args: string[]): Promise<void> {
  const result = await run("docker", args);
  if (result.code !== 0) throw new HarnessError(`docker ${args[0]} ${args.at(-1)}: ${result.stderr.trim()}`);
}

/** What a failover did and how long each part took. */
export interface FailoverReport {
  readonly pair: ReplicaPair;
  readonly timingsMs: { readonly stopped: number; readonly promoted: number; readonly endpointMoved: number };
}

/**
 * RDS's reboot with failover: the primary stops, the standby is promoted (commits no longer wait for a
 * standby, since none is there yet), and the endpoint's name moves to it. The old primary is then left
 * to come back as the new standby (`rejoinAsStandby`).
 */
export async function failover(pair: ReplicaPair, stopTimeoutSeconds = 10): Promise<FailoverReport> {
  const started = performance.now();
  const mark = () => Math.round(performance.now() - started);
  await docker("stop", "-t", String(stopTimeoutSeconds), pair.primary);
  const stopped = mark();
  // The failed primary leaves the network (and the endpoint's name with it). The standby stays on it
  // while it is promoted: its WAL receiver retries the name and must fail at once for the promotion to
  // go on (the twin's resolver answers NXDOMAIN; off every network, the lookup took 10 s to fail).
  await docker("network", "disconnect", pair.network, pair.primary);
  // Promoted, it must not copy the old primary again when it restarts.
  await docker("exec", pair.standby, "rm", "-f", STANDBY_FILES.standbyOf);
  await setSynchronous(pair.standby, pair.superuser, "");
  await sql(pair.standby, pair.superuser, "SELECT pg_promote(true, 60);");
  const promoted = mark();
  // The endpoint's name to the new primary: off the network and on again with the alias.
  await docker("network", "disconnect", pair.network, pair.standby);
  await docker("network", "connect", "--alias", pair.endpoint, pair.network, pair.standby);
  const endpointMoved = mark();
  return {
    pair: { ...pair, primary: pair.standby, standby: pair.primary },
    timingsMs: { stopped, promoted, endpointMoved },
  };
}

/**
 * The old primary back as the new primary's standby: it copies the primary whole (its own timeline ended
 * at the failover) and follows the endpoint's name; commits wait for it again once it streams.
 * `started` runs once it is running again, before it can copy (the twin applies its firewall there:
 * the restarted node has a new namespace, and the primary admits its new address only then).
 */
export async function rejoinAsStandby(
  pair: ReplicaPair,
  password: string,
  timeoutMs: number,
  started?: () => Promise<void>,
): Promise<string> {
  await prepareStandby(pair.standby, pair.endpoint, password);
  await docker("network", "connect", pair.network, pair.standby);
  await docker("start", pair.standby);
  await started?.();
  return makeSynchronous(pair.primary, pair.superuser, timeoutMs);
}
