import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Stack } from "aws-cdk-lib";
import { Template as AssertionTemplate } from "aws-cdk-lib/assertions";
import { format, resolveConfig } from "prettier";
import { stringify } from "yaml";
import { INSTANCE_FILE_PATHS } from "../../infra/lib/constructs/api-user-data.ts";
import { createThreadcastApp } from "../../infra/lib/threadcast-app.ts";
import type { Template } from "../cdk/cloud-assembly.ts";
import { EMULATOR_ACCOUNT } from "../cdk/deploy-env.ts";
import { TWIN_HOSTS } from "../cdk/stand-ins.ts";
import type { HarnessConfig } from "../config.ts";
import { SUPERVISOR } from "../containers/app-container.ts";
import { DATABASE_READY_COMMAND } from "../containers/database-container.ts";
import { LIST_RESOURCE_TYPES_PY, LOCALSTACK_PORT } from "../containers/emulator-container.ts";
import type { ComponentName } from "../images/catalog.ts";
import { ImageResolver } from "../images/image-resolver.ts";
import { LABEL_OWNER } from "../support/cleanup.ts";
import { COMPOSE_ENV, entryPoints, type EntryPoint } from "./entry-points.ts";
import { COMPONENT_NAMES, LABEL_COMPONENT, ownerOf, type TwinComponent } from "./environment.ts";
import { readServiceUnit } from "./systemd-unit.ts";
import { deriveTopology, type Topology } from "./topology.ts";

export { COMPOSE_ENV };
export const COMPOSE_FILE = "docker-compose.yml";

/** Where the setup service leaves what the other services mount (named volumes). */
export const COMPOSE_VOLUMES = {
  emulatorInfo: "/twin/emulator-info",
  instanceEnv: "/twin/instance-env",
  instanceJar: "/twin/instance-jar",
  apiTls: "/twin/api-tls",
  edge: "/twin/edge",
  databaseSecret: "/twin/database-secret",
} as const;

/** The phase-1 templates, synthesized in process with the emulator's account (no deploy, no credentials). */
export function synthesizeTemplates(): { backend: Template; frontend: Template; regions: string[] } {
  const { backend, frontend } = createThreadcastApp(
    {
      context: {
        phase: "1",
        operatorCidr: "198.51.100.10/32",
        hostedZoneId: "ZTWINCOMPOSE",
        account: EMULATOR_ACCOUNT,
      },
    },
    {},
  );
  const template = (stack: Stack) => AssertionTemplate.fromStack(stack).toJSON() as Template;
  return {
    backend: template(backend),
    frontend: template(frontend),
    regions: [backend.region, frontend.region],
  };
}

/** A value compose must not interpolate: every `$` doubled. */
const literal = (text: string) => text.replace(/\$/g, "$$$$");

const ports = (point: EntryPoint) => point.ports.map((port) => `${point.address}:${port}:${port}`);

/**
 * The docker-compose description of the twin, from the same definitions env:up uses: the components and
 * their labels, the image tags of the recipes, the networks of the topology, the entry points of the
 * "compose" environment, the instance's unit and nginx config. A one-shot `setup` service runs the
 * harness itself (the Node toolchain from node_modules) to deploy the stacks and write what the
 * other services mount.
 */
export function composeDocument(
  images: Readonly<Record<ComponentName, string>>,
  topology: Topology,
  regions: readonly string[],
  envName: string = COMPOSE_ENV,
): Record<string, unknown> {
  // The CDK CLI publishes templates to its bootstrap buckets by virtual host (<bucket>.<endpoint host>):
  // inside the twin those names must reach the emulator too.
  const bootstrapBuckets = regions.map(
    (region) => `${CDK_BOOTSTRAP_QUALIFIER_BUCKET}-${EMULATOR_ACCOUNT}-${region}.s3.aws.twin.internal`,
  );
  const entries = entryPoints(envName);
  const unit = readServiceUnit(INSTANCE_FILE_PATHS.systemdUnit);
  const labels = (component: TwinComponent | "setup") => ({
    [LABEL_OWNER]: ownerOf(envName),
    [LABEL_COMPONENT]: component,
  });
  const jarInUnit = unit.execStart.find((arg) => arg.endsWith(".jar")) ?? "/opt/threadcast/app.jar";
  const envFile = unit.environmentFile ?? "/etc/threadcast/threadcast.env";
  const dirOf = (path: string) => path.slice(0, path.lastIndexOf("/"));
  const [publicNet, privateNet] = [
    topology.networks.find((network) => network.role === "public"),
    topology.networks.find((network) => network.role === "private"),
  ];
  const service = (component: TwinComponent | "setup", body: Record<string, unknown>) => ({
    container_name: `tc-${envName}-${component}`,
    labels: labels(component),
    ...body,
  });
  const services: Record<string, unknown> = {
    emulator: service("emulator", {
      image: images.localstack,
      environment: { CFN_IGNORE_UNSUPPORTED_RESOURCE_TYPES: "0", LOCALSTACK_HOST: "aws.twin.internal" },
      ports: ports(entries.emulator),
      networks: { public: { aliases: ["aws.twin.internal", "s3.aws.twin.internal", ...bootstrapBuckets] } },
      volumes: [`emulator-info:${COMPOSE_VOLUMES.emulatorInfo}`],
      // Healthy once the gateway answers; the check also writes the CloudFormation types it implements,
      // which the setup's coverage table is computed from (as env:up reads them with docker exec).
      healthcheck: {
        test: [
          "CMD",
          "python",
          "-c",
          `import urllib.request\nurllib.request.urlopen('http://127.0.0.1:${LOCALSTACK_PORT}/_localstack/health', timeout=2)\nimport contextlib, io\nout = io.StringIO()\nwith contextlib.redirect_stdout(out):\n    exec(${JSON.stringify(LIST_RESOURCE_TYPES_PY)})\nopen('${COMPOSE_VOLUMES.emulatorInfo}/resource-types', 'w').write(out.getvalue())`,
        ],
        interval: "2s",
        timeout: "5s",
        retries: 60,
      },
    }),
    setup: service("setup", {
      image: images.edge,
      working_dir: "/work",
      command: ["/work/node_modules/node/bin/node", "--import", "tsx", "harness/cli.ts", "compose-setup"],
      environment: {
        HARNESS_ENV: envName,
        HARNESS_CACHE_DIR: "/cache",
        HOME: "/tmp",
        PATH: "/work/node_modules/.bin:/usr/local/bin:/usr/bin:/bin",
      },
      volumes: [
        ".:/work",
        "${HARNESS_CACHE_DIR:-~/.cache/threadcast-harness}:/cache:ro",
        `emulator-info:${COMPOSE_VOLUMES.emulatorInfo}:ro`,
        `instance-env:${COMPOSE_VOLUMES.instanceEnv}`,
        `instance-jar:${COMPOSE_VOLUMES.instanceJar}`,
        `api-tls:${COMPOSE_VOLUMES.apiTls}`,
        `edge:${COMPOSE_VOLUMES.edge}`,
        `database-secret:${COMPOSE_VOLUMES.databaseSecret}`,
      ],
      networks: ["public"],
      depends_on: { emulator: { condition: "service_healthy" } },
    }),
    database: service("database", {
      image: images.postgres,
      environment: {
        POSTGRES_DB: topology.database.databaseName,
        POSTGRES_USER: topology.database.masterUsername,
        POSTGRES_PASSWORD_FILE: `${COMPOSE_VOLUMES.databaseSecret}/password`,
      },
      volumes: [`database-secret:${COMPOSE_VOLUMES.databaseSecret}:ro`],
      healthcheck: {
        test: ["CMD-SHELL", literal(DATABASE_READY_COMMAND)],
        interval: "1s",
        timeout: "3s",
        retries: 120,
      },
      networks: { private: { aliases: [TWIN_HOSTS.database] } },
      depends_on: { setup: { condition: "service_completed_successfully" } },
    }),
    app: service("app", {
      image: images.jre,
      cpus: topology.api.cpus,
      mem_limit: `${topology.api.memoryGiB}g`,
      entrypoint: [
        "sh",
        "-c",
        literal(SUPERVISOR),
        "supervisor",
        unit.restart,
        String(unit.restartSec),
        envFile,
      ],
      command: [...unit.execStart],
      working_dir: unit.workingDirectory,
      volumes: [`instance-env:${dirOf(envFile)}:ro`, `instance-jar:${dirOf(jarInUnit)}:ro`],
      ports: ports(entries.api),
      networks: ["public", "private"],
      healthcheck: {
        test: [
          "CMD",
          "bash",
          "-c",
          "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /api/health HTTP/1.0\\r\\n\\r\\n' >&3 && head -1 <&3 | grep -q ' 200 '",
        ],
        interval: "2s",
        timeout: "3s",
        retries: 90,
      },
      depends_on: { database: { condition: "service_healthy" } },
    }),
    proxy: service("proxy", {
      image: images.nginx,
      network_mode: "service:app",
      volumes: [
        `./${join("fixtures", "instance", "nginx-api.conf")}:/etc/nginx/conf.d/threadcast-api.conf:ro`,
        `api-tls:/etc/nginx/tls:ro`,
      ],
      depends_on: { app: { condition: "service_healthy" } },
    }),
    edge: service("edge", {
      image: images.edge,
      command: ["node", "/etc/edge/edge-server.cjs", "/etc/edge/config.json"],
      volumes: ["edge:/etc/edge:ro"],
      ports: ports(entries.edge),
      healthcheck: {
        test: [
          "CMD",
          "node",
          "-e",
          "require('net').connect(443, '127.0.0.1').on('connect', () => process.exit(0)).on('error', () => process.exit(1))",
        ],
        interval: "1s",
        timeout: "3s",
        retries: 30,
      },
      networks: { public: { aliases: [TWIN_HOSTS.edge] } },
      depends_on: { setup: { condition: "service_completed_successfully" } },
    }),
  };
  const networkLabels = { [LABEL_OWNER]: ownerOf(envName) };
  return {
    version: "2.4",
    services,
    networks: {
      public: { internal: publicNet?.internal ?? false, labels: networkLabels },
      private: { internal: privateNet?.internal ?? true, labels: networkLabels },
    },
    volumes: Object.fromEntries(
      ["emulator-info", "instance-env", "instance-jar", "api-tls", "edge", "database-secret"].map(
        (volume) => [volume, { labels: networkLabels }],
      ),
    ),
  };
}

/** The default bootstrap's asset bucket prefix (qualifier hnb659fds), before account and region. */
const CDK_BOOTSTRAP_QUALIFIER_BUCKET = "cdk-hnb659fds-assets";

const HEADER = `# The ThreadCast twin for docker-compose (v1.29+ / file format 2.4), environment name "compose".
# GENERATED by \`npm run compose:write\` from the harness's own definitions (harness/twin/compose.ts):
# a test fails when this file is out of step with env:up. Do not edit by hand.
#
#   npm ci && npm run images && npm run fixtures:build   # the images and the reference jar and web build
#   docker-compose up -d                                   # the twin; the setup service deploys the stacks
#   HARNESS_ENV=compose npm run env:status                 # URLs, CA file, names (the same as env:up's)
#   docker-compose down -v                                 # or: HARNESS_ENV=compose npm run env:down
`;

/** The file's text for a document, in the repository's formatting (prettier), so both checks agree. */
export async function renderCompose(document: Record<string, unknown>, repoRoot: string): Promise<string> {
  const text = `${HEADER}\n${stringify(document, { lineWidth: 0 })}`;
  const options = await resolveConfig(join(repoRoot, COMPOSE_FILE));
  return format(text, { ...options, parser: "yaml" });
}

/** The compose document for the current recipes and stacks. */
export function currentComposeDocument(
  config: HarnessConfig,
  envName = COMPOSE_ENV,
): Record<string, unknown> {
  const resolver = new ImageResolver(config);
  const images = Object.fromEntries(
    (["localstack", "postgres", "nginx", "jre", "edge"] as const).map((component) => [
      component,
      resolver.localTag(component).tag,
    ]),
  ) as Record<ComponentName, string>;
  const { backend, frontend, regions } = synthesizeTemplates();
  return composeDocument(images, deriveTopology(backend, frontend), regions, envName);
}

/** The committed docker-compose.yml. */
export function committedCompose(config: HarnessConfig): string {
  return readFileSync(join(config.repoRoot, COMPOSE_FILE), "utf8");
}

export { COMPONENT_NAMES };
