import { randomBytes } from "node:crypto";
import { TWIN_HOSTS } from "../cdk/twin-hosts.ts";
import { DatabaseContainer, PGDATA } from "../containers/database-container.ts";
import { createReplicationRole, makeSynchronous, STANDBY_FILES } from "../containers/database-replication.ts";
import { startReady } from "../containers/exit-aware-wait.ts";
import { dockerHealthy, waitResumed } from "../containers/resumed-wait.ts";
import { say } from "../support/progress.ts";
import type { PlanContext, TwinGraph } from "./component.ts";
import { BOOTSTRAP_SUPERUSER } from "./database-master-user.ts";
import { startOrResume, type TwinContainer } from "./resume.ts";

declare module "./component.ts" {
  interface TwinSteps {
    /** Phase 2: the replication role's password (kept between runs, as the standby's pgpass holds it). */
    "database:replication-secret": string;
    /** Phase 2: Multi-AZ's standby, streaming from the primary, every commit waiting for it. */
    "database:standby": TwinContainer;
  }
}

/** Multi-AZ's second node: the standby at first, the primary after a failover. */
export const STANDBY = "database-2";

/** The second node's own name on the private network (the endpoint's name follows the primary). */
const STANDBY_HOST = `${STANDBY}.${TWIN_HOSTS.database}`;

/** How long the standby may take to copy the primary and stream synchronously. */
const SYNCHRONOUS_TIMEOUT_MS = 120_000;

/**
 * Multi-AZ RDS's standby (phase 2): a second PostgreSQL of the same image that copies the primary
 * (pg_basebackup, as its entrypoint does when told whose standby it is) and streams from it through the
 * endpoint's name; once it streams, every commit on the primary waits for it (synchronous replication).
 * The replication password goes in as a file its entrypoint reads and removes, never as configuration.
 */
export function planStandby(
  graph: TwinGraph,
  context: PlanContext,
  dataVolume: (name: string) => Promise<string>,
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
    needs: ["database:started", "database:replication-secret", "networks", "image:postgres"],
    run: async (inputs, signal) => {
      const primary = inputs["database:started"].getId();
      const password = inputs["database:replication-secret"];
      await createReplicationRole(primary, BOOTSTRAP_SUPERUSER, password);
      const volume = await dataVolume(`${STANDBY}-data`);
      const standby = await startOrResume(
        context.resume,
        STANDBY,
        {
          start: () =>
            startReady(
              new DatabaseContainer(inputs["image:postgres"], context.owner)
                .withCopyContentToContainer([
                  { content: `${TWIN_HOSTS.database}\n`, target: STANDBY_FILES.standbyOf, mode: 0o644 },
                  { content: password, target: STANDBY_FILES.replicationSecret, mode: 0o600 },
                ])
                .isolatedOn(inputs.networks.private, STANDBY_HOST)
                .resolvingThrough(inputs.networks.addresses.resolver.private)
                .withBindMounts([{ source: volume, target: PGDATA }])
                .withLabels(context.labels(STANDBY))
                .withName(context.containerName(STANDBY))
                .withDatabase("postgres")
                .withUsername(BOOTSTRAP_SUPERUSER),
              signal,
              STANDBY,
            ),
          ready: (id, wait) => waitResumed(id, STANDBY, () => dockerHealthy(id), wait),
        },
        signal,
      );
      const started = performance.now();
      const name = await makeSynchronous(primary, BOOTSTRAP_SUPERUSER, SYNCHRONOUS_TIMEOUT_MS);
      say(
        `[database] ${name} streams synchronously (${Math.round(performance.now() - started)} ms after it started)`,
      );
      return standby;
    },
  });
}
