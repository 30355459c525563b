import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { StartedTestContainer } from "testcontainers";
import { INSTANCE_FILE_PATHS } from "../../infra/lib/constructs/api-user-data.ts";
import { TWIN_HOSTS } from "../cdk/stand-ins.ts";
import type { HarnessConfig } from "../config.ts";
import { ApiProxyContainer } from "../containers/api-proxy-container.ts";
import { AppContainer, PROCESS_EXITED } from "../containers/app-container.ts";
import { DatabaseContainer } from "../containers/database-container.ts";
import {
  EmulatorContainer,
  emulatorResourceTypes,
  LOCALSTACK_PORT,
} from "../containers/emulator-container.ts";
import { LogTail } from "../containers/log-tail.ts";
import { ProbeWait } from "../containers/probe-wait.ts";
import { bundleEdgeServer, EdgeContainer } from "../edge/edge-container.ts";
import { ensureEngine } from "../engine/docker-engine.ts";
import { testcontainersEnv } from "../engine/testcontainers-env.ts";
import { InterruptedError } from "../errors.ts";
import { checkSpringBootJar } from "../reference-builds/jar-check.ts";
import { buildReferenceJar, FixtureBuildError } from "../reference-builds/backend-jar.ts";
import { buildReferenceWeb, checkWebDist } from "../reference-builds/web-dist.ts";
import { ImageResolver } from "../images/image-resolver.ts";
import { LABEL_OWNER, removeLabelled } from "../support/cleanup.ts";
import { formatMs, say } from "../support/progress.ts";
import { run } from "../support/run.ts";
import { createLocalCa, issueCertificate } from "../tls/local-ca.ts";
import {
  allocateEntryPoints,
  releaseEntryPoints,
  type EntryPoints,
  type Neighbours,
} from "./entry-points.ts";
import { enforceSecurityGroups } from "./firewall.ts";
import { publishWebDist, resolveTwinNames, writeHostsFile } from "./names.ts";
import { readServiceUnit } from "./systemd-unit.ts";
import type { Topology } from "./topology.ts";
import { twinHttpsGet } from "../client/twin-client.ts";
import { deployTwin, edgeSettings, EnvironmentError, type DatabaseDescription } from "./twin-setup.ts";

/** The database container's own superuser (as RDS keeps rdsadmin); the app uses the template's master user. */
const BOOTSTRAP_SUPERUSER = "rdsadmin";

/** The text without the password, raw or as an SQL literal quotes it. */
const scrub = (text: string, password: string) =>
  [password, password.replace(/'/g, "''")].reduce(
    (out, secret) => out.split(secret).join("<password>"),
    text,
  );

const sqlLiteral = (value: string) => `'${value.replace(/'/g, "''")}'`;
const sqlIdentifier = (value: string) => `"${value.replace(/"/g, '""')}"`;

/**
 * Creates the master user with the deployed secret's password, and its database, as RDS does at
 * CreateDBInstance. The SQL goes in on stdin: the password is in no command line and no configuration.
 */
async function createMasterUser(
  container: string,
  database: { readonly name: string; readonly user: string; readonly password: string },
): Promise<void> {
  const user = sqlIdentifier(database.user);
  const sql = [
    // A failing statement would be written to the server's log with the password in it.
    "SET log_min_error_statement = panic;",
    `CREATE ROLE ${user} LOGIN CREATEDB CREATEROLE PASSWORD ${sqlLiteral(database.password)};`,
    `CREATE DATABASE ${sqlIdentifier(database.name)} OWNER ${user};`,
  ].join("\n");
  const result = await run(
    "docker",
    [
      "exec",
      "-i",
      container,
      "psql",
      "-U",
      BOOTSTRAP_SUPERUSER,
      "-d",
      "postgres",
      "-v",
      "ON_ERROR_STOP=1",
      "-q",
    ],
    { input: sql },
  );
  if (result.code !== 0) {
    throw new EnvironmentError(
      // psql may quote the failing statement: the password never reaches the message.
      `cannot create the database's master user ${database.user} and database ${database.name}: ${scrub(result.stderr, database.password).trim()}`,
    );
  }
}

/** Label naming the twin component a container stands in for (emulator, database, app, proxy, edge). */
export const LABEL_COMPONENT = "io.threadcast.harness.component";
export const COMPONENT_NAMES = ["emulator", "database", "app", "proxy", "edge"] as const;
export type TwinComponent = (typeof COMPONENT_NAMES)[number];

/** A running twin, as env:up leaves it and env:status reads it back. Holds no secret. */
export interface Environment {
  readonly name: string;
  /** The label value on everything of this environment. */
  readonly owner: string;
  readonly dir: string;
  /** The environment's CA certificate: trust it (only it) to reach the twin over TLS. */
  readonly caFile: string;
  readonly urls: {
    readonly site: string;
    readonly www: string;
    readonly api: string;
    readonly ws: string;
  };
  /** Host name -> loopback address, from the Route 53 records deployed to the emulator. */
  readonly hosts: Readonly<Record<string, string>>;
  readonly hostsVia: Readonly<Record<string, string>>;
  readonly entryPoints: EntryPoints;
  readonly networks: { readonly public: string; readonly private: string };
  readonly containers: Readonly<Record<TwinComponent, string>>;
  readonly emulator: { readonly endpoint: string; readonly hostedZoneId: string };
  readonly database: DatabaseDescription;
  readonly bucket: string;
  /** The deployed security groups the twin enforces (iptables in the instance's and the database's namespaces). */
  readonly securityGroups: { readonly api: string; readonly database: string; readonly region: string };
  readonly topology: Topology;
  readonly startedAt: string;
  readonly timingsMs: Readonly<Record<string, number>>;
}

export interface StartOptions {
  readonly signal?: AbortSignal;
}

export interface StartResult {
  readonly environment: Environment;
  /** True when the environment was already up and env:up reused it. */
  readonly reused: boolean;
}

export { EnvironmentError };

const envDir = (config: HarnessConfig, name: string) => join(config.stateDir, "envs", name);
const stateFile = (config: HarnessConfig, name: string) => join(envDir(config, name), "environment.json");
/** Entry-point claims are per machine user (the cache), not per clone: loopback addresses are shared. */
const claimsDir = (config: HarnessConfig) => join(config.cacheDir, "entry-points");

/** Other environments as the entry-point allocator sees them: by their containers and published ports. */
const neighbours: Neighbours = {
  async hasContainers(name) {
    return Object.keys(await containerStates(name)).length > 0;
  },
  async publisherOf(address) {
    const listed = await run("docker", [
      "ps",
      "--filter",
      `label=${LABEL_OWNER}`,
      "--format",
      `{{.Label "${LABEL_OWNER}"}}\t{{.Ports}}`,
    ]);
    const line = listed.stdout.split("\n").find((row) => row.includes(`${address}:`));
    return line?.split("\t")[0]?.replace(/^env-/, "");
  },
};
export const ownerOf = (name: string) => `env-${name}`;
/** The container of an environment's component: tc-<environment>-<component>. */
export const containerNameOf = (name: string, component: string) => `tc-${name}-${component}`;

/** The environment's saved description, or undefined when it was never brought up (or was taken down). */
export function readEnvironment(config: HarnessConfig, name = config.envName): Environment | undefined {
  const file = stateFile(config, name);
  if (!existsSync(file)) return undefined;
  const saved = JSON.parse(readFileSync(file, "utf8")) as Environment;
  // Paths as this machine sees them (the compose setup writes from inside a container).
  const dir = envDir(config, name);
  return { ...saved, dir, caFile: join(dir, "ca", "ca.crt") };
}

/** Running state of each labelled container of an environment: component -> "running" | "exited" | .... */
export async function containerStates(name: string): Promise<Record<string, string>> {
  const listed = await run("docker", [
    "ps",
    "-a",
    "--filter",
    `label=${LABEL_OWNER}=${ownerOf(name)}`,
    "--format",
    `{{.Label "${LABEL_COMPONENT}"}} {{.State}}`,
  ]);
  return Object.fromEntries(
    listed.stdout
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => line.split(" ") as [string, string]),
  );
}

/** Removes every container, network and volume of the environment, and its directory (CA, keys, state). */
export async function stopEnvironment(config: HarnessConfig, name = config.envName): Promise<string[]> {
  const leftovers = await removeLabelled(LABEL_OWNER, ownerOf(name));
  if (leftovers.length === 0) {
    rmSync(envDir(config, name), { recursive: true, force: true });
    releaseEntryPoints(name, claimsDir(config));
  }
  return leftovers;
}

/**
 * Work started now and awaited later: its failure surfaces where it is awaited (not as a crash), and it
 * is remembered so a failed start-up can wait for it to settle before cleaning up after it.
 */
function background<T>(promise: Promise<T>, inFlight: Promise<unknown>[]): Promise<T> {
  promise.catch(() => undefined);
  inFlight.push(promise);
  return promise;
}

/** Times each step, prints it as `[component] what: X s`, and keeps the figures for the notes. */
class Progress {
  readonly timings: Record<string, number> = {};
  private readonly started = performance.now();

  constructor(private readonly signal: AbortSignal | undefined) {}

  async step<T>(component: string, what: string, work: () => Promise<T>): Promise<T> {
    if (this.signal?.aborted) throw this.signal.reason;
    const started = performance.now();
    const result = await work();
    const ms = performance.now() - started;
    this.timings[`${component}: ${what}`] = Math.round(ms);
    say(`[${component}] ${what}: ${formatMs(ms)} (at ${formatMs(performance.now() - this.started)})`);
    if (this.signal?.aborted) throw this.signal.reason;
    return result;
  }

  total(): number {
    return Math.round(performance.now() - this.started);
  }
}

/**
 * Brings the twin up (or reuses it when it is already up): the CDK stacks deployed to LocalStack, and
 * PostgreSQL, the Spring Boot jar, the instance's nginx and the CloudFront-like edge as containers,
 * reachable by their real names over TLS from this machine. Anything that fails or is interrupted
 * removes what this call started; an environment that was already up is never touched.
 */
export async function startEnvironment(
  config: HarnessConfig,
  options: StartOptions = {},
): Promise<StartResult> {
  const name = config.envName;
  Object.assign(process.env, testcontainersEnv());
  await ensureEngine(config, options.signal);

  const existing = readEnvironment(config, name);
  const states = await containerStates(name);
  const running = COMPONENT_NAMES.filter((component) => states[component] === "running");
  if (existing && running.length === COMPONENT_NAMES.length) return { environment: existing, reused: true };
  if (existing || Object.keys(states).length > 0) {
    const broken = COMPONENT_NAMES.filter((component) => states[component] !== "running");
    throw new EnvironmentError(
      `environment "${name}" is partly up (not running: ${broken.join(", ")})`,
      `take it down first: HARNESS_ENV=${name} npm run env:down (or look first: npm run env:logs -- ${broken[0] ?? "app"})`,
    );
  }

  // Bad input is refused before anything starts.
  if (config.appJar) checkSpringBootJar(config.appJar);
  if (config.webDist) checkWebDist(config.webDist);
  const { points: entries, movedPast } = await allocateEntryPoints(name, claimsDir(config), neighbours);
  for (const { octet, holder } of movedPast) {
    say(`[entry points] 127.88.${octet}.* is held by environment "${holder}"; moving on`);
  }

  const owner = ownerOf(name);
  const dir = envDir(config, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Ctrl-C: remove what exists now, so the steps in flight fail fast; the catch below removes the rest.
  // Any failure stops the work still in flight (builds, pulls) through this signal too.
  const stop = new AbortController();
  let interruptCleanup: Promise<unknown> = Promise.resolve();
  const onAbort = () => {
    stop.abort(options.signal?.reason);
    interruptCleanup = removeLabelled(LABEL_OWNER, owner);
  };
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const inFlight: Promise<unknown>[] = [];
  try {
    const environment = await bringUp(config, name, owner, dir, entries, stop.signal, inFlight);
    writeFileSync(stateFile(config, name), `${JSON.stringify(environment, null, 2)}\n`);
    return { environment, reused: false };
  } catch (error) {
    say(`[${name}] start-up failed: removing what it started`);
    if (!stop.signal.aborted) stop.abort(error);
    // Nothing may still be writing files or starting containers when the cleanup runs.
    await Promise.allSettled([...inFlight, interruptCleanup]);
    await stopEnvironment(config, name);
    throw options.signal?.aborted && !(error instanceof InterruptedError) ? options.signal.reason : error;
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
  }
}

async function createNetwork(owner: string, name: string, internal: boolean): Promise<string> {
  const result = await run("docker", [
    "network",
    "create",
    ...(internal ? ["--internal"] : []),
    "--label",
    `${LABEL_OWNER}=${owner}`,
    name,
  ]);
  if (result.code !== 0) throw new EnvironmentError(`cannot create network ${name}: ${result.stderr.trim()}`);
  return name;
}

async function bringUp(
  config: HarnessConfig,
  name: string,
  owner: string,
  dir: string,
  entries: EntryPoints,
  signal: AbortSignal,
  inFlight: Promise<unknown>[],
): Promise<Environment> {
  const progress = new Progress(signal);
  const labels = (component: TwinComponent) => ({ [LABEL_OWNER]: owner, [LABEL_COMPONENT]: component });
  const containerName = (component: TwinComponent) => containerNameOf(name, component);
  const resolver = new ImageResolver(config, { signal });
  const image = (component: Parameters<ImageResolver["resolve"]>[0]) =>
    resolver.resolve(component).then((resolved) => resolved.reference);

  // Independent work first, all at once: images, the jar and web builds, the CA, networks, the edge bundle.
  const networks = background(
    progress.step("networks", "public + internal private", async () => ({
      public: await createNetwork(owner, `tc-${name}-public`, false),
      private: await createNetwork(owner, `tc-${name}-private`, true),
    })),
    inFlight,
  );
  const jar = background(
    progress.step("app", config.appJar ? "jar checked" : "reference jar", async () =>
      config.appJar
        ? config.appJar
        : (await buildReferenceJar(config, () => image("postgres"), owner, signal)).path,
    ),
    inFlight,
  );
  const web = background(
    progress.step("edge", config.webDist ? "web dist checked" : "reference web build", async () =>
      config.webDist ? config.webDist : (await buildReferenceWeb(config, signal)).dir,
    ),
    inFlight,
  );
  const ca = background(
    progress.step("tls", "local CA", () => createLocalCa(join(dir, "ca"), `ThreadCast twin CA (${name})`)),
    inFlight,
  );
  const bundle = background(
    progress.step("edge", "edge server bundle", () => bundleEdgeServer(dir)),
    inFlight,
  );
  const images = background(
    progress.step("images", "all images", async () => {
      const all = await resolver.resolveAll();
      // Each image's own time (found, pulled or built), for the critical-path figures.
      for (const image of Object.values(all))
        progress.timings[`image: ${image.component}`] = Math.round(image.ms);
      return all;
    }),
    inFlight,
  );

  // The emulator, then the stacks deployed to it: everything else is derived from what they produce.
  // PostgreSQL starts beside the emulator and the deploy, as RDS provisions beside the rest of the stack:
  // with a bootstrap superuser of its own only. The master user (its password from the deployed secret)
  // and the database are created in it once the deploy says what they are: no secret in its configuration.
  const databaseStarted = background(
    (async () => {
      const [postgres, net] = await Promise.all([image("postgres"), networks]);
      return progress.step("database", "PostgreSQL started", () =>
        new DatabaseContainer(postgres, owner)
          .isolatedOn(net.private, TWIN_HOSTS.database)
          .withLabels(labels("database"))
          .withName(containerName("database"))
          .withDatabase("postgres")
          .withUsername(BOOTSTRAP_SUPERUSER)
          .start(),
      );
    })(),
    inFlight,
  );

  // The image first, outside the step, so the step times the emulator's own start (the image has its own).
  const localstack = await image("localstack");
  const emulator = await progress.step("emulator", "LocalStack started", async () =>
    new EmulatorContainer(localstack, owner, config.localstackAuthToken)
      .withLabels(labels("emulator"))
      .withName(containerName("emulator"))
      .onNetwork((await networks).public, "aws.twin.internal")
      .publishedOn(entries.emulator.address)
      .start(),
  );
  const endpoint = `http://${entries.emulator.address}:${LOCALSTACK_PORT}`;
  const twin = await progress.step("emulator", "stacks deployed", async () =>
    deployTwin({
      endpoint,
      emulatorTypes: await emulatorResourceTypes(emulator),
      workDir: join(dir, "infra"),
      operatorCidr: config.operatorCidr,
      signal,
    }),
  );
  const { topology, siteNames, apiName } = twin;
  const [twinCa, net, resolved] = await Promise.all([ca, networks, images]);

  // The API path: database -> app (the instance) -> its nginx.
  const apiPath = background(
    (async () => {
      const database = await progress.step(
        "database",
        `PostgreSQL ${topology.database.majorVersion} master user and database`,
        async () => {
          const started = await databaseStarted;
          await createMasterUser(started.getId(), twin.database);
          return started;
        },
      );
      const apiCertificate = await issueCertificate(twinCa, [apiName], join(dir, "certs"), "api");
      const app = await progress.step("app", "Spring Boot healthy", async () =>
        startApp(config, await jar, resolved.jre.reference, {
          owner,
          labels: labels("app"),
          name: containerName("app"),
          topology,
          networks: net,
          address: entries.api.address,
          environment: twin.appEnvironment,
        }),
      );
      const proxy = await progress.step("proxy", `nginx TLS for ${apiName}`, () =>
        new ApiProxyContainer(
          resolved.nginx.reference,
          app.getId(),
          INSTANCE_FILE_PATHS.nginxConf,
          apiCertificate,
          owner,
        )
          .withLabels(labels("proxy"))
          .withName(containerName("proxy"))
          .start(),
      );
      return { database, app, proxy };
    })(),
    inFlight,
  );

  // The frontend path: the web build published to the bucket, then the edge in front of it.
  const edgePath = background(
    (async () => {
      const bucket = twin.bucket;
      const files = await progress.step("edge", "web build published to S3", async () =>
        publishWebDist(twin.frontendClients.s3, bucket, await web),
      );
      say(`[edge] ${files} files in s3://${bucket}`);
      const certificate = await issueCertificate(twinCa, siteNames, join(dir, "certs"), "site");
      const edge = await progress.step("edge", `CloudFront stand-in for ${siteNames.join(", ")}`, async () =>
        new EdgeContainer({
          image: resolved.edge.reference,
          owner,
          bundle: await bundle,
          config: await edgeSettings(twin),
          certificate,
          network: net.public,
          alias: TWIN_HOSTS.edge,
          address: entries.edge.address,
          workDir: dir,
        })
          .withLabels(labels("edge"))
          .withName(containerName("edge"))
          .start(),
      );
      return { bucket, edge };
    })(),
    inFlight,
  );

  const [api, site] = await Promise.all([apiPath, edgePath]);
  const { securityGroups } = twin.described;
  await progress.step(
    "firewall",
    "security groups enforced in the instance's and database's namespaces",
    () =>
      enforceSecurityGroups({
        ec2: twin.backendClients.ec2,
        netkitImage: resolved.netkit.reference,
        owner,
        members: {
          [securityGroups.api]: [api.app.getId()],
          [securityGroups.database]: [api.database.getId()],
        },
      }),
  );
  const names = await progress.step("names", "Route 53 records mapped to entry points", () =>
    resolveTwinNames(
      twin.frontendClients.route53,
      twin.deployment.hostedZoneId,
      {
        distributionDomain: twin.frontend.outputs.DistributionDomainName ?? TWIN_HOSTS.edge,
        elasticIp: twin.backend.outputs.ApiPublicIp ?? "",
      },
      entries,
      [...siteNames, apiName],
    ),
  );
  writeHostsFile(join(dir, "hosts"), name, names.hosts);
  const environment: Environment = {
    name,
    owner,
    dir,
    caFile: twinCa.certFile,
    urls: twin.described.urls,
    hosts: names.hosts,
    hostsVia: names.via,
    entryPoints: entries,
    networks: net,
    containers: {
      emulator: emulator.getId(),
      database: api.database.getId(),
      app: api.app.getId(),
      proxy: api.proxy.getId(),
      edge: site.edge.getId(),
    },
    emulator: { endpoint, hostedZoneId: twin.deployment.hostedZoneId },
    database: twin.described.database,
    bucket: site.bucket,
    securityGroups,
    topology,
    startedAt: new Date().toISOString(),
    timingsMs: {},
  };
  // The end-to-end check: both names answer over TLS, verified against this environment's CA only.
  await progress.step("twin", "https checks through the names", async () => {
    for (const url of [`${environment.urls.api}/health`, environment.urls.site]) {
      const answer = await twinHttpsGet(environment, url);
      if (answer.status !== 200)
        throw new EnvironmentError(
          `${url} answered ${answer.status} at the end of start-up: ${answer.body.slice(0, 300)}`,
        );
    }
  });
  return { ...environment, timingsMs: { ...progress.timings, total: progress.total() } };
}

interface AppStart {
  readonly owner: string;
  readonly labels: Record<string, string>;
  readonly name: string;
  readonly topology: Topology;
  readonly networks: { readonly public: string; readonly private: string };
  readonly address: string;
  readonly environment: Record<string, string>;
}

/**
 * Starts the instance stand-in and waits for /api/health on its 8080 entry point. A process that exits
 * before it is healthy (a jar that cannot start) or a health check that never passes fails with the
 * app's last log lines.
 */
async function startApp(
  config: HarnessConfig,
  jarPath: string,
  image: string,
  start: AppStart,
): Promise<StartedTestContainer> {
  const healthUrl = `http://${start.address}:8080/api/health`;
  const logs = new LogTail();
  const ready = new ProbeWait(async (timeoutMs) => {
    const exited = logs.watch(PROCESS_EXITED);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let last: string;
      if (exited()) throw appFailure(`the app's process exited before it became healthy`, logs);
      try {
        const response = await fetch(healthUrl, { signal: AbortSignal.timeout(2_000) });
        if (response.status === 200) return;
        last = `HTTP ${response.status}`;
      } catch (error) {
        last = (error as Error).message;
      }
      if (Date.now() > deadline)
        throw appFailure(
          `the app did not become healthy within ${formatMs(timeoutMs)} (${healthUrl}: ${last})`,
          logs,
        );
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  });
  const container = new AppContainer({
    logs,
    image,
    jarPath,
    unit: readServiceUnit(INSTANCE_FILE_PATHS.systemdUnit),
    environment: start.environment,
    cpus: start.topology.api.cpus,
    memoryGiB: start.topology.api.memoryGiB,
    owner: start.owner,
    networks: [{ name: start.networks.public }, { name: start.networks.private }],
    entry: { address: start.address, ready },
    startupTimeoutMs: config.appStartTimeoutMs,
  });
  return container.withLabels(start.labels).withName(start.name).start();
}

function appFailure(message: string, logs: LogTail): FixtureBuildError {
  return new FixtureBuildError(
    `${message}; its last log lines:\n${logs.last(25) || "(nothing logged)"}`,
    "run the jar locally with the same environment to see why (npm run env:logs -- app shows the same log while it runs)",
  );
}
