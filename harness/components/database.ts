import type { StartedPostgreSqlContainer } from "@testcontainers/postgresql";
import { TWIN_HOSTS } from "../cdk/twin-hosts.ts";
import { DATABASE_READY_COMMAND, DatabaseContainer } from "../containers/database-container.ts";
import { startReady } from "../containers/exit-aware-wait.ts";
import { COMPOSE_VOLUMES, composeLiteral } from "./compose-parts.ts";
import { singleInstance, type ComponentKind } from "./component.ts";
import { BOOTSTRAP_SUPERUSER, createMasterUser } from "./database-master-user.ts";

declare module "./component.ts" {
  interface TwinSteps {
    /** PostgreSQL running with its bootstrap superuser only. */
    "database:started": StartedPostgreSqlContainer;
    /** ... and with the template's master user and database, its password from the deployed secret. */
    database: StartedPostgreSqlContainer;
  }
}

/**
 * RDS PostgreSQL. It starts beside the emulator and the deploy, as RDS provisions beside the rest of the
 * stack, with a bootstrap superuser of its own only; the master user (its password from the deployed
 * secret) and the database are created in it once the deploy says what they are: no secret in its
 * configuration.
 */
export const database: ComponentKind = {
  kind: "database",
  standsIn: ["AWS::RDS::DBInstance", "AWS::RDS::DBSubnetGroup"],
  summary: "RDS PostgreSQL",
  image: "postgres",
  instances: singleInstance("database", "database"),
  plan(graph, context) {
    graph.add("database:started", {
      component: "database",
      what: "PostgreSQL started",
      needs: ["networks", "image:postgres"],
      run: (inputs, signal) =>
        startReady(
          new DatabaseContainer(inputs["image:postgres"], context.owner)
            .isolatedOn(inputs.networks.private, TWIN_HOSTS.database)
            .withLabels(context.labels("database"))
            .withName(context.containerName("database"))
            .withDatabase("postgres")
            .withUsername(BOOTSTRAP_SUPERUSER),
          signal,
          "database",
        ),
    });
    graph.add("database", {
      component: "database",
      what: "PostgreSQL master user and database",
      needs: ["database:started", "deploy"],
      run: async (inputs) => {
        await createMasterUser(inputs["database:started"].getId(), inputs.deploy.database);
        return inputs["database:started"];
      },
    });
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
