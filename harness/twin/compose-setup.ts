import { EnvironmentError } from "../errors.ts";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { networkInterfaces } from "node:os";
import { basename, join } from "node:path";
import { INSTANCE_FILE_PATHS } from "../../infra/lib/constructs/api-user-data.ts";
import { COMPOSE_VOLUMES } from "../components/compose-parts.ts";
import { instanceNames } from "../components/registry.ts";
import type { HarnessConfig } from "../config.ts";
import { EGRESS_LOG_GROUP } from "../containers/egress-guard.ts";
import { awsProfile, INSTANCE_PATHS } from "../containers/instance-container.ts";
import { EMULATOR_IN_TWIN, parseResourceTypes } from "../containers/emulator-container.ts";
import { bundleEdgeServer } from "../edge/edge-container.ts";
import type { EdgeConfig } from "../edge/edge-config.ts";
import { FixtureBuildError, referenceJarPath } from "../reference-builds/backend-jar.ts";
import { checkSpringBootJar } from "../reference-builds/jar-check.ts";
import { checkWebDist, referenceWebDir } from "../reference-builds/web-dist.ts";
import { formatMs, say } from "../support/progress.ts";
import { createLocalCa, issueCertificate, type LocalCa } from "../tls/local-ca.ts";
import { entryPoints } from "./entry-points.ts";
import { buildEnvironment, mapTwinNames } from "./environment-builder.ts";
import { writeEnvironment, type TwinContainers } from "./environment-state.ts";
import { containerNameOf } from "./identity.ts";
import { hostsFileOf, ROUTE53_RECORDS, twinRecords } from "./dns-records.ts";
import { publishWebDist, type NameMap } from "./names.ts";
import { ADDRESS_OFFSETS, addressIn } from "./twin-networks.ts";
import { deployTwin, edgeSettings, type DeployedTwin } from "./twin-setup.ts";

function writePrivate(path: string, content: string | Buffer): void {
  writeFileSync(path, content, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** The reference jar and web build, checked: the compose twin runs those only. */
function referenceBuilds(config: HarnessConfig): { jar: string; web: string } {
  const jar = referenceJarPath(config);
  const web = referenceWebDir(config);
  if (!existsSync(jar) || !existsSync(join(web, "index.html"))) {
    throw new FixtureBuildError(
      `the reference fixtures are not built for these sources (${existsSync(jar) ? web : jar} is missing)`,
      "run npm run fixtures:build on the host first, then docker-compose up again",
    );
  }
  checkSpringBootJar(jar);
  checkWebDist(web);
  return { jar, web };
}

/** TLS: a CA for this environment (its certificate on the host, for curl and browsers), the two certificates. */
async function writeCertificates(twin: DeployedTwin, dir: string, envName: string): Promise<LocalCa> {
  const ca = await createLocalCa(join(dir, "ca"), `ThreadCast twin CA (${envName})`);
  const api = await issueCertificate(ca, [twin.apiName], join(dir, "certs"), "api");
  const site = await issueCertificate(ca, twin.siteNames, join(dir, "certs"), "site");
  copyFileSync(api.chainFile, join(COMPOSE_VOLUMES.apiTls, "fullchain.pem"));
  writePrivate(join(COMPOSE_VOLUMES.apiTls, "privkey.pem"), readFileSync(api.keyFile));
  mkdirSync(join(COMPOSE_VOLUMES.edge, "tls"), { recursive: true });
  copyFileSync(site.chainFile, join(COMPOSE_VOLUMES.edge, "tls", "fullchain.pem"));
  writePrivate(join(COMPOSE_VOLUMES.edge, "tls", "privkey.pem"), readFileSync(site.keyFile));
  return ca;
}

/**
 * The instance's first boot: the user data the emulator hands over (its boot runs it), the AWS CLI's
 * profile for the emulator, and the release (the jar, the unit that runs it) it lays after the user data.
 */
function writeInstanceBoot(twin: DeployedTwin, jar: string): void {
  const boot = COMPOSE_VOLUMES.instanceBoot;
  rmSync(join(boot, "boot-finished"), { force: true });
  if (!twin.instance)
    throw new EnvironmentError("the compose twin runs phase 1's instance; the deployed backend has none");
  writeFileSync(join(boot, "user-data.txt"), twin.instance.script, { mode: 0o700 });
  chmodSync(join(boot, "user-data.txt"), 0o700);
  const profile = awsProfile(EMULATOR_IN_TWIN, twin.backend.stack.region);
  writePrivate(join(COMPOSE_VOLUMES.instanceAws, "config"), profile.config);
  writePrivate(join(COMPOSE_VOLUMES.instanceAws, "credentials"), profile.credentials);
  const release = COMPOSE_VOLUMES.instanceRelease;
  writePrivate(join(release, "unit"), `${basename(INSTANCE_FILE_PATHS.systemdUnit, ".service")}\n`);
  copyFileSync(jar, join(release, "app.jar"));
  mkdirSync(join(release, "files"), { recursive: true });
  // The app-egress service guards the instance's namespace; the boot waits for it.
  writePrivate(join(release, basename(INSTANCE_PATHS.egressGuard)), `${EGRESS_LOG_GROUP}\n`);
}

/**
 * The resolver's records: the Route 53 names at the fixed addresses of the public subnet, which the
 * setup service (on that network) finds from its own address there.
 */
function writeComposeRecords(names: NameMap): void {
  const own = Object.values(networkInterfaces())
    .flat()
    .find((face) => face && face.family === "IPv4" && !face.internal);
  if (!own?.cidr) throw new Error("the setup service has no IPv4 address on the public network");
  const base = addressIn(own.cidr, 0);
  const prefix = own.cidr.split("/")[1];
  const subnet = `${base}/${prefix}`;
  const records = twinRecords(names, {
    resolver: { public: addressIn(subnet, ADDRESS_OFFSETS.resolver), private: "" },
    app: addressIn(subnet, ADDRESS_OFFSETS.app),
    edge: addressIn(subnet, ADDRESS_OFFSETS.edge),
  });
  // The volume is the directory the resolver watches: a file appears there whole or not at all (a
  // dot-file stage is read too, but a rename leaves nothing half-written to read).
  const file = join(COMPOSE_VOLUMES.dnsRecords, ROUTE53_RECORDS);
  writeFileSync(`${file}.tmp`, hostsFileOf(records));
  renameSync(`${file}.tmp`, file);
}

/** The edge: its server and the distribution's configuration. */
async function writeEdgeFiles(twin: DeployedTwin, dir: string): Promise<void> {
  copyFileSync(await bundleEdgeServer(dir), join(COMPOSE_VOLUMES.edge, "edge-server.cjs"));
  const edge: EdgeConfig = {
    ...(await edgeSettings(twin)),
    tls: { certFile: "/etc/edge/tls/fullchain.pem", keyFile: "/etc/edge/tls/privkey.pem" },
    ports: { http: 80, https: 443 },
  };
  writeFileSync(join(COMPOSE_VOLUMES.edge, "config.json"), `${JSON.stringify(edge, null, 2)}\n`);
}

/**
 * The docker-compose twin's one-shot setup, run inside the twin (the `setup` service): deploys the stacks
 * to the emulator on the public network, publishes the web build, and writes what the other services
 * mount: the instance's user data, AWS CLI profile and release, the database password, the certificates, the edge's
 * server and configuration. The environment's description (no secret) goes where env:status reads it.
 */
export async function composeSetup(config: HarnessConfig, signal: AbortSignal): Promise<void> {
  const started = performance.now();
  const { jar, web } = referenceBuilds(config);
  const typesFile = join(COMPOSE_VOLUMES.emulatorInfo, "resource-types");
  const emulatorTypes = parseResourceTypes(readFileSync(typesFile, "utf8"));
  const name = config.envName;
  const dir = join(config.stateDir, "envs", name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });

  const twin = await deployTwin({
    endpoint: EMULATOR_IN_TWIN,
    emulatorTypes,
    workDir: join("/tmp", "twin-infra"),
    operatorCidr: config.operatorCidr,
    signal,
  });
  const files = await publishWebDist(twin.frontendClients.s3, twin.bucket, web);
  say(`[setup] ${files} files in s3://${twin.bucket}`);
  writeInstanceBoot(twin, jar);
  writePrivate(join(COMPOSE_VOLUMES.databaseSecret, "password"), twin.database.password);
  const ca = await writeCertificates(twin, dir, name);
  await writeEdgeFiles(twin, dir);

  const entries = entryPoints(name);
  const names = await mapTwinNames(twin, entries, name, dir);
  writeComposeRecords(names);
  const environment = buildEnvironment({
    name,
    dir,
    caFile: ca.certFile,
    twin,
    names,
    entries,
    networks: { public: "public", private: "private" },
    containers: Object.fromEntries(
      instanceNames().map((instance) => [instance, containerNameOf(name, instance)]),
    ) as TwinContainers,
    timingsMs: { setup: Math.round(performance.now() - started) },
  });
  writeEnvironment(environment, dir);
  say(`[setup] done in ${formatMs(performance.now() - started)}; CA certificate: ${ca.certFile}`);
}
