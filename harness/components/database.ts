import { TWIN_HOSTS } from "../cdk/twin-hosts.ts";
import { DATABASE_READY_COMMAND, DatabaseContainer, PGDATA } from "../containers/database-container.ts";
import { startReady } from "../containers/exit-aware-wait.ts";
import { dockerHealthy, waitResumed } from "../containers/resumed-wait.ts";
import { run } from "../support/run.ts";
import { LABEL_DATA, LABEL_OWNER, volumeNameOf } from "../twin/identity.ts";
import { EnvironmentError } from "../twin/twin-setup.ts";
import { COMPOSE_VOLUMES, composeLiteral } from "./compose-parts.ts";
import type { ComponentKind } from "./component.ts";
import { planStandby, STANDBY } from "./database-standby.ts";
import { BOOTSTRAP_SUPERUSER, createMasterUser } from "./database-master-user.ts";
import { startOrResume, type TwinContainer } from "./resume.ts";

declare module "./component.ts" {
  interface TwinSteps {
    /** PostgreSQL running with its bootstrap superuser only (or on the data an earlier run kept). */
    "database:started": TwinContainer;
    /** ... and with the template's master user and database, its password from the deployed secret. */
    database: TwinContainer;
  }
}

/** A database node's data volume, named after the environment and labelled as data env:down --keep-data keeps. */
async function dataVolume(environment: string, owner: string, volume: string): Promise<string> {
  const name = volumeNameOf(environment, volume);
  const labels = ["--label", `${LABEL_OWNER}=${owner}`, "--label", `${LABEL_DATA}=database`];
  const created = await run("docker", ["volume", "create", ...labels, name]);
  if (created.code !== 0)
    throw new EnvironmentError(`cannot create the volume ${name}: ${created.stderr.trim()}`);
  return name;
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
  instances: (shape) => [
    { name: "database", step: "database" },
    ...(shape?.phase === 2 ? [{ name: STANDBY, step: "database:standby" as const }] : []),
  ],
  plan(graph, context) {
    graph.add("database:started", {
      component: "database",
      what: "PostgreSQL started",
      needs: ["networks", "image:postgres"],
      run: async (inputs, signal) => {
        const volume = await dataVolume(context.environment, context.owner, "database-data");
        return startOrResume(
          context.resume,
          "database",
          {
            start: () =>
              startReady(
                new DatabaseContainer(inputs["image:postgres"], context.owner)
                  .isolatedOn(inputs.networks.private, TWIN_HOSTS.database)
                  .resolvingThrough(inputs.networks.addresses.resolver.private)
                  .withBindMounts([{ source: volume, target: PGDATA }])
                  .withLabels(context.labels("database"))
                  .withName(context.containerName("database"))
                  .withDatabase("postgres")
                  .withUsername(BOOTSTRAP_SUPERUSER),
                signal,
                "database",
              ),
            ready: (id, wait) => waitResumed(id, "database", () => dockerHealthy(id), wait),
          },
          signal,
        );
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
    if (context.config.phase === 2)
      planStandby(graph, context, (volume) => dataVolume(context.environment, context.owner, volume));
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
