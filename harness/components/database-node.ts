import { TWIN_HOSTS } from "../cdk/twin-hosts.ts";
import { DatabaseContainer, PGDATA } from "../containers/database-container.ts";
import { STANDBY_FILES } from "../containers/database-replication.ts";
import { startReady } from "../containers/exit-aware-wait.ts";
import { dockerHealthy, waitResumed } from "../containers/resumed-wait.ts";
import type { PlanContext, TwinNetworks } from "./component.ts";
import { BOOTSTRAP_SUPERUSER } from "./database-master-user.ts";
import type { DatabaseNode } from "./database-roles.ts";
import type { Resumable } from "./resume.ts";

/** What a node is started as: the primary (the endpoint's name leads to it), or a standby of it. */
export type NodeRole = { readonly as: "primary" } | { readonly as: "standby"; readonly password: string };

export interface NodeStart {
  readonly node: DatabaseNode;
  readonly role: NodeRole;
  readonly image: string;
  readonly networks: TwinNetworks;
  readonly volume: string;
  /** Phase 2: the node's own name beside the endpoint's (a standby is reached by it only). */
  readonly multiAz: boolean;
}

/** A node's own name on the private network (the endpoint's name follows the primary). */
export const nodeHost = (node: DatabaseNode) => `${node}.${TWIN_HOSTS.database}`;

/**
 * How one database node starts, is waited for and resumes: PostgreSQL on its own data volume, on the
 * private network only. A primary holds the endpoint's name; a standby is told whose standby it is and
 * the replication password by files its entrypoint reads (the password one removed), never by
 * configuration, and copies the primary unless its data already follows it.
 */
export function nodeStart(context: PlanContext, start: NodeStart, signal: AbortSignal): Resumable {
  const { node, role, networks } = start;
  const aliases =
    role.as === "primary"
      ? [TWIN_HOSTS.database, ...(start.multiAz ? [nodeHost(node)] : [])]
      : [nodeHost(node)];
  const files =
    role.as === "standby"
      ? [
          { content: `${TWIN_HOSTS.database}\n`, target: STANDBY_FILES.standbyOf, mode: 0o644 },
          { content: role.password, target: STANDBY_FILES.replicationSecret, mode: 0o600 },
        ]
      : [];
  return {
    start: () =>
      startReady(
        new DatabaseContainer(start.image, context.owner)
          .withCopyContentToContainer(files)
          .isolatedOn(networks.private, aliases[0] ?? TWIN_HOSTS.database)
          .withNetworkAliases(...aliases.slice(1))
          .resolvingThrough(networks.addresses.resolver.private)
          .withBindMounts([{ source: start.volume, target: PGDATA }])
          .withLabels(context.labels(node))
          .withName(context.containerName(node))
          .withDatabase("postgres")
          .withUsername(BOOTSTRAP_SUPERUSER),
        signal,
        node,
      ),
    ready: (id, wait) => waitResumed(id, node, () => dockerHealthy(id), wait),
  };
}
