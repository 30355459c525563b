import { spawn } from "node:child_process";
import { loadConfig } from "../config.ts";
import { ensureEngine } from "../engine/docker-engine.ts";
import { LABEL_OWNER } from "../support/cleanup.ts";
import { formatMs, say } from "../support/progress.ts";
import { run } from "../support/run.ts";
import {
  COMPONENT_NAMES,
  containerStates,
  LABEL_COMPONENT,
  ownerOf,
  readEnvironment,
  startEnvironment,
  stopEnvironment,
  type Environment,
  type TwinComponent,
} from "./environment.ts";

const out = (text: string) => process.stdout.write(`${text}\n`);

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
  return [
    `  ${environment.urls.site.padEnd(34)} edge (CloudFront stand-in)  ${hosts[new URL(environment.urls.site).hostname]}`,
    `  ${environment.urls.www.padEnd(34)} edge (CloudFront stand-in)  ${hosts[new URL(environment.urls.www).hostname]}`,
    `  ${environment.urls.api.padEnd(34)} nginx -> Spring Boot        ${hosts[apiHost]} (80, 443, 8080)`,
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
    `  stop: ${environment.name === "twin" ? "" : `HARNESS_ENV=${environment.name} `}npm run env:down`,
  ].join("\n");
}

export async function envUp(signal: AbortSignal): Promise<number> {
  const config = loadConfig();
  const { environment, reused } = await startEnvironment(config, { signal });
  if (reused) {
    say(`environment "${environment.name}" is already up (since ${environment.startedAt}): reusing it`);
  } else {
    say(`environment "${environment.name}" is up in ${formatMs(environment.timingsMs.total ?? 0)}`);
  }
  out(describeEnvironment(environment));
  return 0;
}

export async function envDown(): Promise<number> {
  const config = loadConfig();
  await ensureEngine(config);
  const states = await containerStates(config.envName);
  const known = readEnvironment(config) !== undefined;
  const leftovers = await stopEnvironment(config);
  if (leftovers.length > 0) return 1;
  say(
    Object.keys(states).length === 0 && !known
      ? `environment "${config.envName}" is not up; nothing to remove`
      : `environment "${config.envName}" removed (${Object.keys(states).length} containers, its networks, volumes and CA)`,
  );
  return 0;
}

export async function envStatus(): Promise<number> {
  const config = loadConfig();
  await ensureEngine(config);
  const environment = readEnvironment(config);
  const states = await containerStates(config.envName);
  if (!environment && Object.keys(states).length === 0) {
    say(`environment "${config.envName}" is not up (npm run env:up brings it up)`);
    return 3;
  }
  const stats = await run("docker", [
    "stats",
    "--no-stream",
    "--format",
    "{{.Name}}\t{{.MemUsage}}\t{{.CPUPerc}}",
    ...COMPONENT_NAMES.filter((component) => states[component] === "running").map(
      (component) => `tc-${config.envName}-${component}`,
    ),
  ]);
  const usage = new Map(
    stats.stdout
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => {
        const [name, memory, cpu] = line.split("\t");
        return [name, `${memory}  cpu ${cpu}`] as const;
      }),
  );
  out(
    `environment "${config.envName}"${environment ? ` (up since ${environment.startedAt})` : " (no saved state)"}`,
  );
  for (const component of COMPONENT_NAMES) {
    out(
      `  ${component.padEnd(9)} ${(states[component] ?? "missing").padEnd(8)} ${usage.get(`tc-${config.envName}-${component}`) ?? ""}`,
    );
  }
  if (environment) out(describeEnvironment(environment));
  const healthy = COMPONENT_NAMES.every((component) => states[component] === "running");
  return healthy ? 0 : 1;
}

export async function envLogs(argv: readonly string[]): Promise<number> {
  const config = loadConfig();
  await ensureEngine(config);
  const component = argv.find((arg) => !arg.startsWith("-")) ?? "app";
  if (!(COMPONENT_NAMES as readonly string[]).includes(component)) {
    say(`unknown component ${component}; one of: ${COMPONENT_NAMES.join(", ")}`);
    return 64;
  }
  const listed = await run("docker", [
    "ps",
    "-aq",
    "--filter",
    `label=${LABEL_OWNER}=${ownerOf(config.envName)}`,
    "--filter",
    `label=${LABEL_COMPONENT}=${component as TwinComponent}`,
  ]);
  const id = listed.stdout.trim().split("\n")[0];
  if (!id) {
    say(`environment "${config.envName}" has no ${component} container (is it up? npm run env:status)`);
    return 3;
  }
  const follow = argv.includes("--follow") || argv.includes("-f");
  return new Promise((resolve) => {
    const child = spawn("docker", ["logs", ...(follow ? ["--follow"] : []), id], { stdio: "inherit" });
    child.on("exit", (code) => resolve(code ?? 1));
  });
}
