import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { HarnessConfig } from "../config.ts";
import { environmentFileContent } from "../containers/app-container.ts";
import { LOCALSTACK_PORT, parseResourceTypes } from "../containers/emulator-container.ts";
import { bundleEdgeServer } from "../edge/edge-container.ts";
import type { EdgeConfig } from "../edge/edge-config.ts";
import { referenceJarPath, FixtureBuildError } from "../reference-builds/backend-jar.ts";
import { checkSpringBootJar } from "../reference-builds/jar-check.ts";
import { checkWebDist, referenceWebDir } from "../reference-builds/web-dist.ts";
import { formatMs, say } from "../support/progress.ts";
import { createLocalCa, issueCertificate } from "../tls/local-ca.ts";
import { COMPOSE_VOLUMES } from "./compose.ts";
import { entryPoints } from "./entry-points.ts";
import { containerNameOf, ownerOf, type Environment } from "./environment.ts";
import { publishWebDist, resolveTwinNames, writeHostsFile } from "./names.ts";
import { deployTwin, edgeSettings, EMULATOR_IN_TWIN } from "./twin-setup.ts";

function writePrivate(path: string, content: string | Buffer): void {
  writeFileSync(path, content, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/**
 * The docker-compose twin's one-shot setup, run inside the twin (the `setup` service): deploys the stacks
 * to the emulator on the public network, publishes the web build, and writes what the other services
 * mount: the instance's EnvironmentFile and jar, the database password, the certificates, the edge's
 * server and configuration. The environment's description (no secret) goes where env:status reads it.
 */
export async function composeSetup(config: HarnessConfig, signal: AbortSignal): Promise<void> {
  const started = performance.now();
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
  const typesFile = join(COMPOSE_VOLUMES.emulatorInfo, "resource-types");
  const emulatorTypes = parseResourceTypes(readFileSync(typesFile, "utf8"));
  const dir = join(config.stateDir, "envs", config.envName);
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

  // The instance: its EnvironmentFile (from the deployed secrets) and its jar.
  writePrivate(
    join(COMPOSE_VOLUMES.instanceEnv, "threadcast.env"),
    environmentFileContent(twin.appEnvironment),
  );
  copyFileSync(jar, join(COMPOSE_VOLUMES.instanceJar, "app.jar"));
  writePrivate(join(COMPOSE_VOLUMES.databaseSecret, "password"), twin.database.password);

  // TLS: a CA for this environment (its certificate on the host, for curl and browsers), the two certificates.
  const ca = await createLocalCa(join(dir, "ca"), `ThreadCast twin CA (${config.envName})`);
  const api = await issueCertificate(ca, [twin.apiName], join(dir, "certs"), "api");
  const site = await issueCertificate(ca, twin.siteNames, join(dir, "certs"), "site");
  copyFileSync(api.chainFile, join(COMPOSE_VOLUMES.apiTls, "fullchain.pem"));
  writePrivate(join(COMPOSE_VOLUMES.apiTls, "privkey.pem"), readFileSync(api.keyFile));
  mkdirSync(join(COMPOSE_VOLUMES.edge, "tls"), { recursive: true });
  copyFileSync(site.chainFile, join(COMPOSE_VOLUMES.edge, "tls", "fullchain.pem"));
  writePrivate(join(COMPOSE_VOLUMES.edge, "tls", "privkey.pem"), readFileSync(site.keyFile));

  // The edge: its server and the distribution's configuration.
  copyFileSync(await bundleEdgeServer(dir), join(COMPOSE_VOLUMES.edge, "edge-server.cjs"));
  const edge: EdgeConfig = {
    ...(await edgeSettings(twin)),
    tls: { certFile: "/etc/edge/tls/fullchain.pem", keyFile: "/etc/edge/tls/privkey.pem" },
    ports: { http: 80, https: 443 },
  };
  writeFileSync(join(COMPOSE_VOLUMES.edge, "config.json"), `${JSON.stringify(edge, null, 2)}\n`);

  const entries = entryPoints(config.envName);
  const names = await resolveTwinNames(
    twin.frontendClients.route53,
    twin.deployment.hostedZoneId,
    {
      distributionDomain: edge.domainName,
      elasticIp: twin.backend.outputs.ApiPublicIp ?? "",
    },
    entries,
    [...twin.siteNames, twin.apiName],
  );
  writeHostsFile(join(dir, "hosts"), config.envName, names.hosts);
  const containerName = (component: string) => containerNameOf(config.envName, component);
  const environment: Environment = {
    name: config.envName,
    owner: ownerOf(config.envName),
    dir,
    caFile: ca.certFile,
    urls: twin.described.urls,
    hosts: names.hosts,
    hostsVia: names.via,
    entryPoints: entries,
    networks: { public: "public", private: "private" },
    containers: {
      emulator: containerName("emulator"),
      database: containerName("database"),
      app: containerName("app"),
      proxy: containerName("proxy"),
      edge: containerName("edge"),
    },
    emulator: {
      endpoint: `http://${entries.emulator.address}:${LOCALSTACK_PORT}`,
      hostedZoneId: twin.deployment.hostedZoneId,
    },
    database: twin.described.database,
    bucket: twin.bucket,
    securityGroups: twin.described.securityGroups,
    topology: twin.topology,
    startedAt: new Date().toISOString(),
    timingsMs: { setup: Math.round(performance.now() - started) },
  };
  writeFileSync(join(dir, "environment.json"), `${JSON.stringify(environment, null, 2)}\n`);
  say(`[setup] done in ${formatMs(performance.now() - started)}; CA certificate: ${ca.certFile}`);
}
