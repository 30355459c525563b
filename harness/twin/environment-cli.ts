import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { loadConfig, type HarnessConfig } from "../config.ts";
import { ensureEngine } from "../engine/docker-engine.ts";
import { formatMs, out, say } from "../support/progress.ts";
import { run } from "../support/run.ts";
import type { ComponentKind, InstanceShape } from "../components/component.ts";
import { COMPONENTS, instanceNames } from "../components/registry.ts";
import {
  containerStates,
  hasKeptState,
  readEnvironment,
  startEnvironment,
  stopEnvironment,
  type Environment,
} from "./environment.ts";
import { egressLines } from "./egress-cli.ts";
import { readEgress } from "./egress.ts";
import { envDir, shapeOf } from "./environment-state.ts";
import { controllerFiles, controllerPid } from "./controller-process.ts";
import { readDesired } from "./fleet-desired.ts";
import { containerNameOf, LABEL_COMPONENT, LABEL_OWNER, ownerOf, volumeNameOf } from "./identity.ts";
import { containerCount, isEmpty, surveyEnvironment, type Survey } from "./survey.ts";

/** What a command line needs to name the environment (nothing for the default one). */
const envPrefix = (name: string) => (name === "twin" ? "" : `HARNESS_ENV=${name} `);

/** How a person reaches the twin: URLs, the CA, curl and a browser, and how to stop it. */
export function describeEnvironment(environment: Environment): string {
  const { hosts } = environment;
  const resolves = Object.entries(hosts)
    .map(([host, address]) => `--resolve ${host}:443:${address}`)
    .join(" ");
  const apiHost = new URL(environment.urls.api).hostname;
  const rules = Object.entries(hosts)
    .map(([host, address]) => `MAP ${host} ${address}`)
    .join(", ");
  const members = shapeOf(environment).members;
  const api = members
    ? `ALB (HAProxy) -> ${members.length} instances  ${hosts[apiHost]} (80, 443)`
    : `nginx -> Spring Boot        ${hosts[apiHost]} (80, 443, 8080)`;
  return [
    `  ${environment.urls.site.padEnd(34)} edge (CloudFront stand-in)  ${hosts[new URL(environment.urls.site).hostname]}`,
    `  ${environment.urls.www.padEnd(34)} edge (CloudFront stand-in)  ${hosts[new URL(environment.urls.www).hostname]}`,
    `  ${environment.urls.api.padEnd(34)} ${api}`,
    `  ${environment.urls.ws.padEnd(34)} STOMP over WebSocket`,
    `  CA certificate: ${environment.caFile}`,
    `  names: ${Object.entries(environment.hostsVia)
      .map(([host, via]) => `${host}: ${via}`)
      .join("; ")}`,
    "",
    "  curl:",
    `    curl --cacert ${environment.caFile} ${resolves} ${environment.urls.api}/health`,
    "  browser (Chromium; trust the CA in its certificate settings or NSS database first):",
    `    chromium --host-resolver-rules="${rules}" ${environment.urls.site}`,
    `  /etc/hosts lines (for every other tool): ${environment.dir}/hosts`,
    `  AWS emulator: ${environment.emulator.endpoint} (aws --endpoint-url ${environment.emulator.endpoint} ...)`,
    `  stop: ${envPrefix(environment.name)}npm run env:down (--keep-data keeps the database's data for the next env:up)`,
  ].join("\n");
}

export async function envUp(signal: AbortSignal): Promise<number> {
  const config = loadConfig();
  const { environment, reused, resumed } = await startEnvironment(config, { signal });
  if (reused) {
    say(`environment "${environment.name}" is already up (since ${environment.startedAt}): reusing it`);
  } else if (resumed) {
    say(`environment "${environment.name}" is back in ${formatMs(environment.timingsMs.total ?? 0)}:`);
    for (const line of resumed) say(`  ${line}`);
  } else {
    say(`environment "${environment.name}" is up in ${formatMs(environment.timingsMs.total ?? 0)}`);
  }
  out(describeEnvironment(environment));
  return 0;
}

export async function envDown(argv: readonly string[] = []): Promise<number> {
  const unknown = argv.filter((arg) => arg !== "--keep-data");
  if (unknown.length > 0) {
    say(`unknown option ${unknown.join(" ")}; env:down takes only --keep-data`);
    return 64;
  }
  const keepData = argv.includes("--keep-data");
  const config = loadConfig();
  await ensureEngine(config);
  const survey = await surveyEnvironment(config.envName);
  const dirExisted = existsSync(envDir(config, config.envName));
  const leftovers = await stopEnvironment(config, config.envName, { keepData });
  if (leftovers.length > 0) return 1;
  say(describeDown(config.envName, survey, dirExisted, keepData));
  return 0;
}

/** What env:down removed (or kept), from what the engine held of the environment before. */
function describeDown(name: string, survey: Survey, dirExisted: boolean, keepData: boolean): string {
  const count = containerCount(survey);
  if (isEmpty(survey) && !dirExisted)
    return `environment "${name}" is not up; nothing to remove${keepData ? " (what it kept stays)" : ""}`;
  if (keepData)
    return `environment "${name}" stopped (${count} containers and its networks removed); the database's volume ${volumeNameOf(name, "database-data")} and the kept secrets stay: npm run env:up resumes on them, npm run env:down removes them`;
  return `environment "${name}" removed (${count} containers, ${survey.networks.length} networks, ${survey.dataVolumes.length} data volumes, its directory)`;
}

/** One row of env:status: an instance of a component, its container's state and its memory and CPU. */
export interface InstanceStatus {
  readonly instance: string;
  readonly kind: string;
  readonly state: string;
  readonly usage: string;
}

/** Each instance of each listed component, as the engine reports its container. */
export async function instanceStatus(
  environment: string,
  components: readonly ComponentKind[] = COMPONENTS,
  shape?: InstanceShape,
): Promise<InstanceStatus[]> {
  const states = await containerStates(environment);
  const rows = components.flatMap((kind) =>
    kind.instances(shape).map((instance) => ({
      instance: instance.name,
      kind: kind.kind,
      state: states[instance.name] ?? "missing",
    })),
  );
  const running = rows
    .filter((row) => row.state === "running")
    .map((row) => containerNameOf(environment, row.instance));
  const format = "{{.Name}}\t{{.MemUsage}}\t{{.CPUPerc}}";
  const stats =
    running.length > 0
      ? await run("docker", ["stats", "--no-stream", "--format", format, ...running])
      : undefined;
  const usage = new Map(
    (stats?.stdout ?? "")
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => {
        const [name, memory, cpu] = line.split("\t");
        return [name, `${memory}  cpu ${cpu}`] as const;
      }),
  );
  return rows.map((row) => ({ ...row, usage: usage.get(containerNameOf(environment, row.instance)) ?? "" }));
}

export async function envStatus(): Promise<number> {
  const config = loadConfig();
  await ensureEngine(config);
  const environment = readEnvironment(config);
  const rows = await instanceStatus(config.envName, COMPONENTS, environment && shapeOf(environment));
  if (!environment && rows.every((row) => row.state === "missing")) {
    say(
      hasKeptState(config)
        ? `environment "${config.envName}" is down with its data kept (${envPrefix(config.envName)}npm run env:up resumes it on that data)`
        : `environment "${config.envName}" is not up (npm run env:up brings it up)`,
    );
    return 3;
  }
  out(
    `environment "${config.envName}"${environment ? ` (up since ${environment.startedAt})` : " (no saved state)"}`,
  );
  for (const row of rows) out(`  ${row.instance.padEnd(12)} ${row.state.padEnd(8)} ${row.usage}`);
  if (environment) out(describeEnvironment(environment));
  if (environment?.topology.fleet) out(controllerLine(environment));
  const egress = await readEgress(config.envName, environment && shapeOf(environment));
  if (egress) for (const line of egressLines(egress)) out(line);
  const dead = rows.filter((row) => row.state !== "running");
  if (dead.length === 0) return 0;
  out(
    `  not running: ${dead.map((row) => `${row.instance} (${row.state})`).join(", ")}; ${envPrefix(config.envName)}npm run env:up repairs ${dead.length === 1 ? "it" : "them"} (the running ones are kept, the database's data too)`,
  );
  return 1;
}

/** The container of an instance of the environment, or undefined when it has none. */
export async function instanceContainer(environment: string, instance: string): Promise<string | undefined> {
  const listed = await run("docker", [
    "ps",
    "-aq",
    "--filter",
    `label=${LABEL_OWNER}=${ownerOf(environment)}`,
    "--filter",
    `label=${LABEL_COMPONENT}=${instance}`,
  ]);
  return listed.stdout.trim().split("\n")[0] || undefined;
}

/** Phase 2: whether the group's controller runs, and the group's desired capacity. */
function controllerLine(environment: Environment): string {
  const fleet = environment.topology.fleet;
  const pid = controllerPid(environment.dir);
  const desired = fleet ? readDesired(environment.dir, fleet) : 0;
  const group = `desired ${desired} (min ${fleet?.minSize}, max ${fleet?.maxSize})`;
  return pid === undefined
    ? `  group controller: NOT running (${envPrefix(environment.name)}npm run env:up -- --phase 2 starts it); ${group}`
    : `  group controller: running (pid ${pid}, log ${controllerFiles(environment.dir).log}); ${group}`;
}

/** The instances of the environment as env:up last saved it (phase 1's when it has no description). */
function savedShape(config: HarnessConfig): InstanceShape | undefined {
  const environment = readEnvironment(config);
  return environment && shapeOf(environment);
}

export async function envLogs(
  argv: readonly string[],
  components: readonly ComponentKind[] = COMPONENTS,
): Promise<number> {
  const config = loadConfig();
  await ensureEngine(config);
  const names = instanceNames(components, savedShape(config));
  const instance = argv.find((arg) => !arg.startsWith("-")) ?? "app";
  if (!names.includes(instance)) {
    say(`unknown component ${instance}; one of: ${names.join(", ")}`);
    return 64;
  }
  const id = await instanceContainer(config.envName, instance);
  if (!id) {
    say(`environment "${config.envName}" has no ${instance} container (is it up? npm run env:status)`);
    return 3;
  }
  const follow = argv.includes("--follow") || argv.includes("-f");
  return new Promise((resolve) => {
    const child = spawn("docker", ["logs", ...(follow ? ["--follow"] : []), id], { stdio: "inherit" });
    child.on("exit", (code) => resolve(code ?? 1));
  });
}
