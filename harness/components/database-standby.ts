import { randomBytes } from "node:crypto";
import { createReplicationRole, makeSynchronous } from "../containers/database-replication.ts";
import { say } from "../support/progress.ts";
import type { PlanContext, StartedGroup, TwinGraph } from "./component.ts";
import { nodeStart } from "./database-node.ts";
import { DATABASE_NODE_NAMES, type DatabaseNode } from "./database-roles.ts";
import { BOOTSTRAP_SUPERUSER } from "./database-master-user.ts";
import { startOrResume, type TwinContainer } from "./resume.ts";

declare module "./component.ts" {
  interface TwinSteps {
    /** Phase 2: the replication role's password (kept between runs, as the standby's pgpass holds it). */
    "database:replication-secret": string;
    /** Phase 2: Multi-AZ's standby, streaming from the primary, every commit waiting for it. */
    "database:standby": TwinContainer;
    /** Phase 2: both nodes by name (database, database-2), whichever is the primary now. */
    "database:nodes": StartedGroup;
  }
}

/** Multi-AZ's second node: the standby at first, the primary after a failover. */
export const STANDBY = "database-2";

/** How long the standby may take to copy the primary and stream synchronously. */
const SYNCHRONOUS_TIMEOUT_MS = 120_000;

/**
 * Multi-AZ RDS's standby (phase 2): the node that is not the primary, a second PostgreSQL of the same
 * image that copies the primary (pg_basebackup, as its entrypoint does when told whose standby it is,
 * unless its kept data follows it already) and streams from it through the endpoint's name; once it
 * streams, every commit on the primary waits for it (synchronous replication).
 */
export function planStandby(
  graph: TwinGraph,
  context: PlanContext,
  dataVolume: (node: DatabaseNode) => Promise<string>,
): void {
  graph.add("database:replication-secret", {
    component: "database",
    what: "replication password",
    quiet: true,
    run: async () => context.kept?.secrets.replication ?? randomBytes(24).toString("base64url"),
  });
  graph.add("database:standby", {
    component: "database",
    what: "standby streaming synchronously (Multi-AZ)",
    // It copies the primary beside the deploy: the master user made after it arrives by streaming.
    needs: [
      "database:started",
      "database:roles",
      "database:replication-secret",
      "networks",
      "image:postgres",
    ],
    run: async (inputs, signal) => {
      const primary = inputs["database:started"].getId();
      const password = inputs["database:replication-secret"];
      await createReplicationRole(primary, BOOTSTRAP_SUPERUSER, password);
      const node = inputs["database:roles"].standby;
      const start = {
        node,
        role: { as: "standby", password },
        image: inputs["image:postgres"],
        networks: inputs.networks,
        volume: await dataVolume(node),
        multiAz: true,
      } as const;
      const standby = await startOrResume(context.resume, node, nodeStart(context, start, signal), signal);
      const started = performance.now();
      const name = await makeSynchronous(primary, BOOTSTRAP_SUPERUSER, SYNCHRONOUS_TIMEOUT_MS);
      say(
        `[database] ${node} (${name}) streams synchronously from ${inputs["database:roles"].primary} (${Math.round(performance.now() - started)} ms after it started)`,
      );
      return standby;
    },
  });
  graph.add("database:nodes", {
    component: "database",
    what: "both nodes by name",
    quiet: true,
    needs: ["database", "database:standby", "database:roles"],
    run: async (inputs): Promise<StartedGroup> => {
      const byNode = {
        [inputs["database:roles"].primary]: inputs.database,
        [inputs["database:roles"].standby]: inputs["database:standby"],
      };
      return {
        members: DATABASE_NODE_NAMES.map((name) => ({ name, container: byNode[name] as TwinContainer })),
      };
    },
  });
}
