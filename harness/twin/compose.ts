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
import { COMPOSE_VOLUMES, composeAddress, composeIpam } from "../components/compose-parts.ts";
import type { ComponentKind, ComposeContext, TwinAddresses } from "../components/component.ts";
import { COMPONENTS } from "../components/registry.ts";
import type { HarnessConfig } from "../config.ts";
import { COMPONENTS as IMAGES, type ComponentName } from "../images/catalog.ts";
import { ImageResolver } from "../images/image-resolver.ts";
import { COMPOSE_ENV, entryPoints } from "./entry-points.ts";
import { containerNameOf, LABEL_OWNER, labelsOf, ownerOf } from "./identity.ts";
import { readServiceUnit } from "./systemd-unit.ts";
import { ADDRESS_OFFSETS } from "./twin-networks.ts";
import { deriveTopology, type Topology } from "./topology.ts";

export { COMPOSE_ENV };
export const COMPOSE_FILE = "docker-compose.yml";

export { COMPOSE_VOLUMES };

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

/**
 * The docker-compose description of the twin, from the same definitions env:up uses: each component's
 * service from its own module (labels, image tags of the recipes, networks of the topology, the entry
 * points of the "compose" environment, the instance's unit and nginx config). A one-shot `setup` service
 * runs the harness itself (the Node toolchain from node_modules) to deploy the stacks and write what the
 * other services mount; it follows the services it waits for.
 */
export function composeDocument(
  images: Readonly<Record<ComponentName, string>>,
  topology: Topology,
  regions: readonly string[],
  envName: string = COMPOSE_ENV,
  components: readonly ComponentKind[] = COMPONENTS,
): Record<string, unknown> {
  const addresses: TwinAddresses = {
    resolver: {
      public: composeAddress("public", ADDRESS_OFFSETS.resolver),
      private: composeAddress("private", ADDRESS_OFFSETS.resolver),
    },
    app: composeAddress("public", ADDRESS_OFFSETS.app),
    edge: composeAddress("public", ADDRESS_OFFSETS.edge),
  };
  const context: ComposeContext = {
    environment: envName,
    addresses,
    images,
    topology,
    entries: entryPoints(envName),
    unit: readServiceUnit(INSTANCE_FILE_PATHS.systemdUnit),
    regions,
    service: (instance, body) => ({
      container_name: containerNameOf(envName, instance),
      labels: labelsOf(envName, instance),
      ...body,
      ...resolverOf(body, addresses),
    }),
  };
  const services = withSetup(
    Object.assign({}, ...components.map((component) => component.compose(context))) as Record<
      string,
      unknown
    >,
    setupService(context),
  );
  const networkLabels = { [LABEL_OWNER]: ownerOf(envName) };
  const role = (name: string) => topology.networks.find((network) => network.role === name);
  return {
    version: "2.4",
    services,
    networks: {
      public: {
        internal: role("public")?.internal ?? false,
        labels: networkLabels,
        ipam: composeIpam("public"),
      },
      private: {
        internal: role("private")?.internal ?? true,
        labels: networkLabels,
        ipam: composeIpam("private"),
      },
    },
    volumes: Object.fromEntries(
      [
        "emulator-info",
        "instance-boot",
        "instance-release",
        "instance-aws",
        "instance-nginx",
        "api-tls",
        "edge",
        "database-secret",
        "dns-records",
      ].map((volume) => [volume, { labels: networkLabels }]),
    ),
  };
}

/**
 * Every service on the twin's networks resolves through the twin's resolver on its first network (one in
 * another's namespace, the proxy, shares that one's).
 */
function resolverOf(body: Record<string, unknown>, addresses: TwinAddresses): { dns?: string[] } {
  if (body.network_mode !== undefined || body.dns !== undefined) return {};
  const networks = body.networks as string[] | Record<string, unknown> | undefined;
  const first = Array.isArray(networks) ? networks[0] : Object.keys(networks ?? {})[0];
  return first === "public" || first === "private" ? { dns: [addresses.resolver[first]] } : {};
}

/** The services with the setup service placed right after the last service it depends on. */
function withSetup(
  services: Record<string, unknown>,
  setup: Record<string, unknown>,
): Record<string, unknown> {
  const waitsFor = Object.keys((setup.depends_on ?? {}) as Record<string, unknown>);
  const names = Object.keys(services);
  const at = Math.max(0, ...waitsFor.map((name) => names.indexOf(name) + 1));
  const entries = Object.entries(services);
  return Object.fromEntries([...entries.slice(0, at), ["setup", setup], ...entries.slice(at)]);
}

/** The one-shot service that deploys the stacks and writes the files the other services mount. */
function setupService({ service, environment, images }: ComposeContext): Record<string, unknown> {
  return service("setup", {
    image: images.edge,
    working_dir: "/work",
    command: ["/work/node_modules/node/bin/node", "--import", "tsx", "harness/cli.ts", "compose-setup"],
    environment: {
      HARNESS_ENV: environment,
      HARNESS_CACHE_DIR: "/cache",
      HOME: "/tmp",
      PATH: "/work/node_modules/.bin:/usr/local/bin:/usr/bin:/bin",
    },
    volumes: [
      ".:/work",
      "${HARNESS_CACHE_DIR:-~/.cache/threadcast-harness}:/cache:ro",
      `emulator-info:${COMPOSE_VOLUMES.emulatorInfo}:ro`,
      `instance-boot:${COMPOSE_VOLUMES.instanceBoot}`,
      `instance-release:${COMPOSE_VOLUMES.instanceRelease}`,
      `instance-aws:${COMPOSE_VOLUMES.instanceAws}`,
      `api-tls:${COMPOSE_VOLUMES.apiTls}`,
      `edge:${COMPOSE_VOLUMES.edge}`,
      `database-secret:${COMPOSE_VOLUMES.databaseSecret}`,
      `dns-records:${COMPOSE_VOLUMES.dnsRecords}`,
    ],
    networks: ["public"],
    depends_on: { emulator: { condition: "service_healthy" } },
  });
}

const HEADER = `# The ThreadCast twin for docker-compose (v1.29+ / file format 2.4), environment name "compose".
# GENERATED by \`npm run compose:write\` from the harness's own definitions (harness/twin/compose.ts):
# a test fails when this file is out of step with env:up. Do not edit by hand.
#
#   npm ci && npm run images && npm run fixtures:build   # the images and the reference jar and web build
#   docker-compose up -d                                   # the twin; the setup service deploys the stacks
#   HARNESS_ENV=compose npm run env:status                 # URLs, CA file, names (the same as env:up's)
#   docker-compose down -v                                 # or: HARNESS_ENV=compose npm run env:down
#
# The networks are 172.30.88.0/24 (public) and 172.30.89.0/24 (private); when they collide with one of
# yours, set TWIN_PUBLIC_NET / TWIN_PRIVATE_NET to other first three octets (e.g. TWIN_PUBLIC_NET=10.77.1).
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
  components: readonly ComponentKind[] = COMPONENTS,
): Record<string, unknown> {
  const resolver = new ImageResolver(config);
  const images = Object.fromEntries(
    IMAGES.map((component) => [component, resolver.localTag(component).tag]),
  ) as Record<ComponentName, string>;
  const { backend, frontend, regions } = synthesizeTemplates();
  return composeDocument(images, deriveTopology(backend, frontend), regions, envName, components);
}

/** The committed docker-compose.yml. */
export function committedCompose(config: HarnessConfig): string {
  return readFileSync(join(config.repoRoot, COMPOSE_FILE), "utf8");
}
