import { TWIN_HOSTS } from "../cdk/twin-hosts.ts";
import { DATABASE_READY_COMMAND } from "../containers/database-container.ts";
import { goOnWithoutStandby } from "../containers/database-replication.ts";
import { say } from "../support/progress.ts";
import { dataVolume } from "./data-volume.ts";
import { COMPOSE_VOLUMES, composeLiteral } from "./compose-parts.ts";
import type { ComponentKind } from "./component.ts";
import { nodeStart } from "./database-node.ts";
import {
  databaseRoles,
  DATABASE_NODE_NAMES,
  type DatabaseNode,
  type DatabaseRoles,
} from "./database-roles.ts";
import { planStandby } from "./database-standby.ts";
import { BOOTSTRAP_SUPERUSER, createMasterUser } from "./database-master-user.ts";
import { startOrResume, type TwinContainer } from "./resume.ts";

declare module "./component.ts" {
  interface TwinSteps {
    /** Which node is the primary: phase 1's only one, or Multi-AZ's as the environment left them. */
    "database:roles": DatabaseRoles;
    /** The primary running with its bootstrap superuser only (or on the data an earlier run kept). */
    "database:started": TwinContainer;
    /** ... and with the template's master user and database, its password from the deployed secret. */
    database: TwinContainer;
  }
}

/**
 * RDS PostgreSQL. It starts beside the emulator and the deploy, as RDS provisions beside the rest of the
 * stack, with a bootstrap superuser of its own only; the master user (its password from the deployed
 * secret) and the database are created in it once the deploy says what they are: no secret in its
 * configuration. Phase 2's Multi-AZ pair keeps each node's name and data whichever is the primary.
 */
export const database: ComponentKind = {
  kind: "database",
  standsIn: ["AWS::RDS::DBInstance", "AWS::RDS::DBSubnetGroup"],
  summary: "RDS PostgreSQL",
  image: "postgres",
  instances: (shape) =>
    shape?.phase === 2
      ? DATABASE_NODE_NAMES.map((name, member) => ({ name, step: "database:nodes" as const, member }))
      : [{ name: "database", step: "database" }],
  plan(graph, context) {
    const multiAz = context.config.phase === 2;
    const volumeOf = (node: DatabaseNode) =>
      dataVolume(context.environment, context.owner, `${node}-data`, "database");
    graph.add("database:roles", {
      component: "database",
      what: "which node is the primary",
      quiet: true,
      needs: ["image:postgres"],
      run: (inputs) =>
        multiAz
          ? databaseRoles(
              (node) => context.resume.foundOf(node),
              { ...context, endpoint: TWIN_HOSTS.database },
              inputs["image:postgres"],
            )
          : Promise.resolve({ primary: "database", standby: "database-2", by: "fresh" } as const),
    });
    graph.add("database:started", {
      component: "database",
      what: "PostgreSQL started",
      needs: ["networks", "image:postgres", "database:roles"],
      run: async (inputs, signal) => {
        const node = inputs["database:roles"].primary;
        const start = {
          node,
          role: { as: "primary" },
          image: inputs["image:postgres"],
          networks: inputs.networks,
          volume: await volumeOf(node),
          multiAz,
        } as const;
        const primary = await startOrResume(context.resume, node, nodeStart(context, start, signal), signal);
        if (multiAz && (await goOnWithoutStandby(primary.getId(), BOOTSTRAP_SUPERUSER)))
          say(
            `[database] ${node}: no standby streams; commits go on without one until it does (as RDS goes on without a failed standby)`,
          );
        return primary;
      },
    });
    graph.add("database", {
      component: "database",
      what: "PostgreSQL master user and database",
      needs: ["database:started", "deploy"],
      run: async (inputs) => {
        const started = performance.now();
        const user = await createMasterUser(inputs["database:started"].getId(), inputs.deploy.database);
        if (context.resume.resuming)
          context.resume.note(
            "data",
            user === "existed"
              ? "the database's master user and data were kept; its password set to the secret's"
              : "the database had no kept data: master user and database created empty",
            performance.now() - started,
          );
        return inputs["database:started"];
      },
    });
    if (multiAz) planStandby(graph, context, volumeOf);
  },
  compose: ({ service, images, topology }) => ({
    database: service("database", {
      image: images.postgres,
      environment: {
        POSTGRES_DB: topology.database.databaseName,
        POSTGRES_USER: topology.database.masterUsername,
        POSTGRES_PASSWORD_FILE: `${COMPOSE_VOLUMES.databaseSecret}/password`,
      },
      volumes: [`database-secret:${COMPOSE_VOLUMES.databaseSecret}:ro`],
      healthcheck: {
        test: ["CMD-SHELL", composeLiteral(DATABASE_READY_COMMAND)],
        interval: "1s",
        timeout: "3s",
        retries: 120,
      },
      networks: { private: { aliases: [TWIN_HOSTS.database] } },
      depends_on: { setup: { condition: "service_completed_successfully" } },
    }),
  }),
};
