import { join } from "node:path";
import { EMULATOR_ACCOUNT } from "../cdk/deploy-env.ts";
import {
  EMULATOR_HOST,
  EMULATOR_SETTINGS,
  EmulatorContainer,
  emulatorResourceTypes,
  LIST_RESOURCE_TYPES_PY,
  LOCALSTACK_PORT,
} from "../containers/emulator-container.ts";
import { startReady } from "../containers/exit-aware-wait.ts";
import { answers200, waitResumed } from "../containers/resumed-wait.ts";
import { deployOrReadBack, stacksStillDeployed } from "../twin/redeploy.ts";
import { COMPOSE_VOLUMES, composePorts } from "./compose-parts.ts";
import { singleInstance, type ComponentKind } from "./component.ts";
import { startOrResume, type TwinContainer } from "./resume.ts";

declare module "./component.ts" {
  interface TwinSteps {
    emulator: TwinContainer;
  }
}

/** The default bootstrap's asset bucket prefix (qualifier hnb659fds), before account and region. */
const CDK_BOOTSTRAP_QUALIFIER_BUCKET = "cdk-hnb659fds-assets";

/** The AWS account itself: LocalStack, with both stacks deployed to it by cdklocal. */
export const emulator: ComponentKind = {
  kind: "emulator",
  standsIn: [],
  summary: "the AWS account (LocalStack)",
  image: "localstack",
  instances: singleInstance("emulator", "emulator"),
  plan(graph, context) {
    const endpoint = `http://${context.entries.emulator.address}:${LOCALSTACK_PORT}`;
    const workDir = join(context.dir, "infra");
    graph.add("emulator", {
      component: "emulator",
      what: "LocalStack started",
      needs: ["networks", "image:localstack"],
      run: async (inputs, signal) => {
        const found = context.resume.foundOf("emulator");
        // A running emulator is kept only while it still holds the stacks: its state is in memory only.
        const holdsStacks = found?.state === "running" && (await stacksStillDeployed(endpoint, workDir));
        return startOrResume(
          context.resume,
          "emulator",
          {
            start: () =>
              startReady(
                new EmulatorContainer(
                  inputs["image:localstack"],
                  context.owner,
                  context.config.localstackAuthToken,
                )
                  .withLabels(context.labels("emulator"))
                  .withName(context.containerName("emulator"))
                  .onNetwork(inputs.networks.public, EMULATOR_HOST)
                  .resolvingThrough(inputs.networks.addresses.resolver.public)
                  .publishedOn(context.entries.emulator.address),
                signal,
                "emulator",
              ),
            ready: (id, wait) =>
              waitResumed(id, "emulator", () => answers200(`${endpoint}/_localstack/health`, wait), wait),
            ...(found?.state === "running" && !holdsStacks
              ? { replaceBecause: "it was running without the stacks" }
              : {}),
          },
          signal,
        );
      },
    });
    graph.add("deploy", {
      component: "emulator",
      what: "stacks deployed",
      needs: ["emulator"],
      run: async (inputs, signal) =>
        deployOrReadBack({
          endpoint,
          workDir,
          emulatorTypes: await emulatorResourceTypes(inputs.emulator),
          operatorCidr: context.config.operatorCidr,
          phase: context.config.phase === 2 ? 2 : 1,
          keptEmulator: context.resume.outcomeOf("emulator") === "kept",
          kept: context.kept,
          log: context.resume,
          signal,
        }),
    });
  },
  compose({ service, images, entries, regions }) {
    // The CDK CLI publishes templates to its bootstrap buckets by virtual host (<bucket>.<endpoint host>):
    // inside the twin those names must reach the emulator too.
    const bootstrapBuckets = regions.map(
      (region) => `${CDK_BOOTSTRAP_QUALIFIER_BUCKET}-${EMULATOR_ACCOUNT}-${region}.s3.${EMULATOR_HOST}`,
    );
    return {
      emulator: service("emulator", {
        image: images.localstack,
        environment: {
          CFN_IGNORE_UNSUPPORTED_RESOURCE_TYPES: "0",
          LOCALSTACK_HOST: EMULATOR_HOST,
          ...EMULATOR_SETTINGS,
        },
        ports: composePorts(entries.emulator),
        networks: { public: { aliases: [EMULATOR_HOST, `s3.${EMULATOR_HOST}`, ...bootstrapBuckets] } },
        volumes: [`emulator-info:${COMPOSE_VOLUMES.emulatorInfo}`],
        // Healthy once the gateway answers; the check also writes the CloudFormation types it implements,
        // which the setup's coverage table is computed from (as env:up reads them with docker exec).
        healthcheck: {
          test: ["CMD", "python", "-c", healthcheckScript()],
          interval: "2s",
          timeout: "5s",
          retries: 60,
        },
        // The resolver first: every service is made with its address as DNS server.
        depends_on: { dns: { condition: "service_started" } },
      }),
    };
  },
};

function healthcheckScript(): string {
  return `import urllib.request\nurllib.request.urlopen('http://127.0.0.1:${LOCALSTACK_PORT}/_localstack/health', timeout=2)\nimport contextlib, io\nout = io.StringIO()\nwith contextlib.redirect_stdout(out):\n    exec(${JSON.stringify(LIST_RESOURCE_TYPES_PY)})\nopen('${COMPOSE_VOLUMES.emulatorInfo}/resource-types', 'w').write(out.getvalue())`;
}
