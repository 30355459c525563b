import { BOOTSTRAP_SUPERUSER } from "../components/database-master-user.ts";
import { STANDBY } from "../components/database-standby.ts";
import { failover, rejoinAsStandby, type ReplicaPair } from "../containers/database-replication.ts";
import { EnvironmentError } from "../errors.ts";
import { run } from "../support/run.ts";
import { enforceEnvironmentSecurityGroups } from "./firewall.ts";
import { readKept } from "./kept-state.ts";
import type { Environment } from "./environment-state.ts";

/** How long the old primary may take to copy the new one and stream synchronously again. */
const REJOIN_TIMEOUT_MS = 120_000;

/** What `env:failover -- database` did, and how long each part took. */
export interface DatabaseFailover {
  /** The node that was the primary, and the one promoted (instance names). */
  readonly from: string;
  readonly to: string;
  readonly timingsMs: {
    readonly stopped: number;
    readonly promoted: number;
    readonly endpointMoved: number;
    readonly rejoined: number;
    readonly firewall: number;
  };
}

/** True when the node is in recovery (a standby); asked over its own socket. */
export async function inRecovery(container: string): Promise<boolean> {
  const asked = await run("docker", [
    "exec",
    container,
    "psql",
    "-U",
    BOOTSTRAP_SUPERUSER,
    "-d",
    "postgres",
    "-qtAc",
    "SELECT pg_is_in_recovery()",
  ]);
  if (asked.code !== 0)
    throw new EnvironmentError(`cannot ask the database node ${container} its role: ${asked.stderr.trim()}`);
  return asked.stdout.trim() === "t";
}

/** The environment's two nodes as a pair: which is the primary now, asked of each (not remembered). */
async function currentPair(
  environment: Environment,
): Promise<{ pair: ReplicaPair; names: [string, string] }> {
  const nodes = ["database", STANDBY].flatMap((name) => {
    const id = environment.containers[name];
    return id ? [{ name, id }] : [];
  });
  const [first, second] = nodes;
  if (!first || !second)
    throw new EnvironmentError(
      `environment "${environment.name}" has no Multi-AZ database (one node: phase ${environment.topology.phase})`,
      "a failover needs phase 2: npm run env:up -- --phase 2",
    );
  const [primary, standby] = (await inRecovery(first.id)) ? [second, first] : [first, second];
  if (await inRecovery(primary.id))
    throw new EnvironmentError(
      "neither database node is a primary",
      "npm run env:logs -- database shows why",
    );
  const pair = {
    primary: primary.id,
    standby: standby.id,
    network: environment.networks.private,
    endpoint: environment.database.host,
    superuser: BOOTSTRAP_SUPERUSER,
  };
  return { pair, names: [primary.name, standby.name] };
}

/**
 * RDS's reboot with failover: the primary stops, the standby is promoted and the endpoint's name moves
 * to it; then the old primary comes back as the new standby (synchronous again) and the security
 * groups are applied again in both nodes' namespaces (one is new, the other's address moved).
 */
export async function failoverDatabase(
  environment: Environment,
  netkitImage: string,
): Promise<DatabaseFailover> {
  const password = readKept(environment.dir)?.secrets.replication;
  if (!password)
    throw new EnvironmentError(
      `environment "${environment.name}" keeps no replication password (was it brought up by this version?)`,
      "npm run env:down, then npm run env:up -- --phase 2",
    );
  const { pair, names } = await currentPair(environment);
  const report = await failover(pair);
  const started = performance.now();
  let firewall = 0;
  // The restarted node's namespace is new and its address may have moved: the groups again, before it copies.
  await rejoinAsStandby(report.pair, password, REJOIN_TIMEOUT_MS, async () => {
    const applying = performance.now();
    await enforceEnvironmentSecurityGroups(environment, netkitImage);
    firewall = Math.round(performance.now() - applying);
  });
  const rejoined = Math.round(performance.now() - started);
  return { from: names[0], to: names[1], timingsMs: { ...report.timingsMs, rejoined, firewall } };
}
