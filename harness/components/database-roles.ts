import { PGDATA } from "../containers/database-container.ts";
import { run } from "../support/run.ts";
import { LABEL_OWNER, volumeNameOf } from "../twin/identity.ts";
import type { FoundContainer } from "../twin/survey.ts";

/** Multi-AZ's two nodes, by instance name: each keeps its name and its data whatever its role. */
export const DATABASE_NODE_NAMES = ["database", "database-2"] as const;
export type DatabaseNode = (typeof DATABASE_NODE_NAMES)[number];

/** Which node is the primary (the endpoint's name leads to it) and which the standby. */
export interface DatabaseRoles {
  readonly primary: DatabaseNode;
  readonly standby: DatabaseNode;
  /** How the roles were told: a fresh pair, the endpoint's alias, or the nodes' kept data. */
  readonly by: "fresh" | "endpoint" | "data";
}

const rolesWith = (primary: DatabaseNode, by: DatabaseRoles["by"]): DatabaseRoles => ({
  primary,
  standby: primary === "database" ? "database-2" : "database",
  by,
});

/** The network aliases of a container (running or stopped), on every network it is attached to. */
async function aliasesOf(id: string): Promise<string[]> {
  const inspected = await run("docker", [
    "inspect",
    "--format",
    "{{range .NetworkSettings.Networks}}{{range .Aliases}}{{.}} {{end}}{{end}}",
    id,
  ]);
  return inspected.code === 0 ? inspected.stdout.trim().split(/\s+/) : [];
}

/**
 * True when a node's data volume holds a cluster that starts as a primary (PostgreSQL starts a
 * cluster with standby.signal as a standby); read by a throwaway container with no network.
 */
async function holdsPrimaryData(image: string, owner: string, volume: string): Promise<boolean> {
  const exists = await run("docker", ["volume", "inspect", volume]);
  if (exists.code !== 0) return false;
  const test = `test -s ${PGDATA}/PG_VERSION && ! test -e ${PGDATA}/standby.signal`;
  const checked = await run("docker", [
    "run",
    "--rm",
    "--network",
    "none",
    "--label",
    `${LABEL_OWNER}=${owner}`,
    "-v",
    `${volume}:${PGDATA}:ro`,
    "--entrypoint",
    "sh",
    image,
    "-c",
    test,
  ]);
  return checked.code === 0;
}

/**
 * The roles as the environment left them (a failover swaps them): the node whose container holds the
 * endpoint's alias is the primary; when no container does (both removed by env:down --keep-data, or a
 * failover cut short), the node whose kept data starts as a primary; a fresh pair starts with
 * `database` as the primary.
 */
export async function databaseRoles(
  found: (node: DatabaseNode) => FoundContainer | undefined,
  context: { readonly environment: string; readonly owner: string; readonly endpoint: string },
  image: string,
): Promise<DatabaseRoles> {
  for (const node of DATABASE_NODE_NAMES) {
    const container = found(node);
    if (container && (await aliasesOf(container.id)).includes(context.endpoint))
      return rolesWith(node, "endpoint");
  }
  const primaries = await Promise.all(
    DATABASE_NODE_NAMES.map((node) =>
      holdsPrimaryData(image, context.owner, volumeNameOf(context.environment, `${node}-data`)),
    ),
  );
  const [first, second] = primaries;
  if (first && !second) return rolesWith("database", "data");
  if (second && !first) return rolesWith("database-2", "data");
  return rolesWith("database", primaries.some(Boolean) ? "data" : "fresh");
}
