import { existsSync, mkdirSync, rmSync } from "node:fs";
import type { TwinSteps } from "../components/component.ts";
import { instanceNames } from "../components/registry.ts";
import { ResumeLog } from "../components/resume.ts";
import type { HarnessConfig } from "../config.ts";
import { ensureEngine } from "../engine/docker-engine.ts";
import { testcontainersEnv } from "../engine/testcontainers-env.ts";
import { InterruptedError } from "../errors.ts";
import { readAppBundle } from "../reference-builds/app-bundle.ts";
import { readAppEnvFile } from "../reference-builds/app-env-file.ts";
import { checkSpringBootJar } from "../reference-builds/jar-check.ts";
import { checkWebDist } from "../reference-builds/web-dist.ts";
import { removeLabelled } from "../support/cleanup.ts";
import { say } from "../support/progress.ts";
import { run } from "../support/run.ts";
import { bringUp } from "./bring-up.ts";
import {
  controllerFiles,
  controllerPid,
  controllerSettings,
  ensureController,
  stopController,
} from "./controller-process.ts";
import {
  allocateEntryPoints,
  octetOf,
  releaseEntryPoints,
  type EntryPoints,
  type Neighbours,
} from "./entry-points.ts";
import {
  claimsDir,
  envDir,
  readEnvironment,
  writeEnvironment,
  type Environment,
} from "./environment-state.ts";
import { containerNameOf, LABEL_COMPONENT, LABEL_DATA, LABEL_OWNER, ownerOf } from "./identity.ts";
import { clearExceptKept, readKept, writeKept, type KeptState } from "./kept-state.ts";
import { containerCount, isEmpty, surveyEnvironment, type Survey } from "./survey.ts";
import { StartGraph } from "./start-graph.ts";
import { EnvironmentError } from "./twin-setup.ts";

export { containerNameOf, EnvironmentError, LABEL_COMPONENT, ownerOf, readEnvironment, type Environment };

/** The phase-1 twin's component instances, in the order status and logs list them. */
export const COMPONENT_NAMES: readonly string[] = instanceNames();

export interface StartOptions {
  readonly signal?: AbortSignal;
}

export interface StartResult {
  readonly environment: Environment;
  /** True when the environment was already up and env:up reused it. */
  readonly reused: boolean;
  /** When env:up resumed or repaired the environment: what it did with each instance and each piece of state. */
  readonly resumed?: readonly string[];
}

/** Other environments as the entry-point allocator sees them: by their containers and published ports. */
const neighbours: Neighbours = {
  async hasContainers(name) {
    return containerCount(await surveyEnvironment(name)) > 0;
  },
  async publisherOf(address) {
    const format = `{{.Label "${LABEL_OWNER}"}}\t{{.Ports}}`;
    const listed = await run("docker", ["ps", "--filter", `label=${LABEL_OWNER}`, "--format", format]);
    const line = listed.stdout.split("\n").find((row) => row.includes(`${address}:`));
    return line?.split("\t")[0]?.replace(/^env-/, "");
  },
};

/** Running state of each instance's container: instance -> "running" | "exited" | .... */
export async function containerStates(name: string): Promise<Record<string, string>> {
  const { containers } = await surveyEnvironment(name);
  return Object.fromEntries(Object.entries(containers).map(([instance, found]) => [instance, found.state]));
}

export interface StopOptions {
  /** Keep the database's volume and the kept values (secrets, Elastic IP) for the next env:up. */
  readonly keepData?: boolean;
}

/**
 * Removes every container, network and volume of the environment, and its directory (CA, keys, state);
 * with `keepData`, the database's volume and the kept values stay.
 */
export async function stopEnvironment(
  config: HarnessConfig,
  name = config.envName,
  options: StopOptions = {},
): Promise<string[]> {
  const keep = options.keepData ? { keepVolumesLabelled: LABEL_DATA } : {};
  // The group's controller first: it would replace the instances being removed.
  await stopController(envDir(config, name));
  const leftovers = await removeLabelled(LABEL_OWNER, ownerOf(name), keep);
  if (leftovers.length === 0) {
    if (options.keepData) clearExceptKept(envDir(config, name));
    else rmSync(envDir(config, name), { recursive: true, force: true });
    releaseEntryPoints(name, claimsDir(config));
  }
  return leftovers;
}

/** Phase 2: the group's controller watches the environment (started unless it runs already). */
async function watchGroup(environment: Environment, config: HarnessConfig): Promise<void> {
  if (!environment.topology.fleet) return;
  const pid = await ensureController(environment.name, environment.dir, controllerSettings(config));
  say(
    `[controller] the group's controller watches it (pid ${pid}; log ${controllerFiles(environment.dir).log})`,
  );
}

/**
 * A resume or repair of phase 2 places the group's instances itself: a controller left running (it
 * outlives an engine restart) would replace the same dead instances at once. It is stopped first and
 * started again once the environment is up.
 */
async function pauseController(dir: string): Promise<void> {
  const pid = controllerPid(dir);
  if (pid === undefined) return;
  await stopController(dir);
  say(`[controller] stopped (pid ${pid}) while env:up brings the group back; it starts again at the end`);
}

/** True when the environment has been up with its data (a resume or a repair would keep it). */
export const hasKeptState = (config: HarnessConfig, name = config.envName) =>
  readKept(envDir(config, name)) !== undefined;

/** The instances an environment has: those its saved description names, else phase 1's. */
const instancesOfEnvironment = (existing: Environment | undefined): readonly string[] =>
  existing ? Object.keys(existing.containers) : COMPONENT_NAMES;

const allRunning = (survey: Survey, existing: Environment | undefined) =>
  instancesOfEnvironment(existing).every((instance) => survey.containers[instance]?.state === "running");

/**
 * What env:up starts from. With kept state the environment has been up with its data: whatever exists
 * is resumed or repaired. Without it, anything of the environment is what a start-up that never
 * finished left (a killed env:up): it is removed, and env:up starts afresh. Says which.
 */
async function startingPoint(
  config: HarnessConfig,
  dir: string,
  existing: Environment | undefined,
): Promise<{ survey: Survey; kept?: KeptState }> {
  const name = config.envName;
  const survey = await surveyEnvironment(name);
  const kept = readKept(dir);
  if (kept) {
    const states = instancesOfEnvironment(existing).map(
      (instance) => `${instance} ${survey.containers[instance]?.state ?? "missing"}`,
    );
    say(
      `[resume] environment "${name}" (up since ${kept.since}): ${states.join(", ")}; bringing back what is not running`,
    );
    return { survey, kept };
  }
  if (!isEmpty(survey) || existsSync(dir)) {
    const left = [
      `${Object.keys(survey.containers).length} container(s)`,
      `${survey.networks.length} network(s)`,
      `${survey.dataVolumes.length} data volume(s)`,
      ...(existsSync(dir) ? [`its directory ${dir}`] : []),
    ];
    say(
      `[recover] environment "${name}" has ${left.join(", ")} but no kept state: a start-up that never finished (a killed env:up) left them; removing them and starting afresh`,
    );
    const leftovers = await stopEnvironment(config, name);
    if (leftovers.length > 0)
      throw new EnvironmentError(
        `cannot remove what is left of environment "${name}"`,
        "see the lines above",
      );
  }
  return { survey: await surveyEnvironment(name) };
}

/** The environment's entry points; a resume keeps the addresses its containers publish on. */
async function entryPointsFor(
  name: string,
  config: HarnessConfig,
  resuming: boolean,
  existing: Environment | undefined,
): Promise<EntryPoints> {
  const at = resuming ? { own: true, ...(existing ? { octet: octetOf(existing.entryPoints) } : {}) } : {};
  const { points, movedPast } = await allocateEntryPoints(name, claimsDir(config), neighbours, at);
  for (const { octet, holder } of movedPast) {
    say(`[entry points] 127.88.${octet}.* is held by environment "${holder}"; moving on`);
  }
  return points;
}

/**
 * Brings the twin up: the CDK stacks deployed to LocalStack, and PostgreSQL, the Spring Boot jar, the
 * instance's nginx and the CloudFront-like edge as containers, reachable by their real names over TLS
 * from this machine. An environment that is up is reused as it is; one that was up before (it has kept
 * state) is resumed or repaired: running instances are kept, stopped ones started again, missing ones
 * rebuilt, the database on its kept data. A fresh start that fails or is interrupted removes what it
 * started; a resume that fails leaves what `env:down --keep-data` leaves.
 */
/**
 * The phases the twin can bring up: phase 1, and phase 2 (its load balancer, its group's instances, its
 * Multi-AZ database and its message broker). Phase 3 is refused.
 */
function refuseUnbuiltPhase(phase: HarnessConfig["phase"]): void {
  if (phase === 1 || phase === 2) return;
  throw new EnvironmentError(
    "the twin cannot run phase 3 yet: nothing of ECS Fargate, ECR or CodePipeline is stood in yet",
    "run phase 1 (unset HARNESS_PHASE) or phase 2 meanwhile",
  );
}

export async function startEnvironment(
  config: HarnessConfig,
  options: StartOptions = {},
): Promise<StartResult> {
  const name = config.envName;
  refuseUnbuiltPhase(config.phase);
  Object.assign(process.env, testcontainersEnv());
  await ensureEngine(config, options.signal);
  const dir = envDir(config, name);
  const existing = readEnvironment(config, name);
  if (existing && existing.topology.phase !== config.phase)
    throw new EnvironmentError(
      `environment "${name}" is up as phase ${existing.topology.phase}, not phase ${config.phase}`,
      `take it down first (${name === "default" ? "" : `HARNESS_ENV=${name} `}npm run env:down), or use another HARNESS_ENV for phase ${config.phase}`,
    );
  if (existing && allRunning(await surveyEnvironment(name), existing)) {
    await watchGroup(existing, config);
    return { environment: existing, reused: true };
  }

  // Bad input is refused before anything starts.
  if (config.appJar) checkSpringBootJar(config.appJar);
  if (config.appDir) readAppBundle(config.appDir);
  if (config.appEnvFile) readAppEnvFile(config.appEnvFile);
  if (config.webDist) checkWebDist(config.webDist);
  await pauseController(dir);
  const { survey, kept } = await startingPoint(config, dir, existing);
  const entries = await entryPointsFor(name, config, kept !== undefined, existing);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const resume = new ResumeLog(survey.containers, kept !== undefined);
  const graph = new StartGraph<TwinSteps>(options.signal);
  const cleanup = kept ? { keepData: true } : {};
  // Ctrl-C: remove what exists now, so the steps in flight fail fast; the catch below removes the rest.
  let interruptCleanup: Promise<unknown> = Promise.resolve();
  const keepVolumes = kept ? { keepVolumesLabelled: LABEL_DATA } : {};
  const onAbort = () => void (interruptCleanup = removeLabelled(LABEL_OWNER, ownerOf(name), keepVolumes));
  options.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const { environment, keep } = await bringUp({ config, dir, entries, resume, kept }, graph);
    writeKept(dir, { since: kept?.since ?? environment.startedAt, ...keep });
    writeEnvironment(environment);
    await watchGroup(environment, config);
    return { environment, reused: false, ...(kept ? { resumed: resume.describe() } : {}) };
  } catch (error) {
    say(
      kept
        ? `[${name}] resume failed: removing its containers and networks; the database's data and the kept values stay for the next env:up (env:down removes them)`
        : `[${name}] start-up failed: removing what it started`,
    );
    // Nothing may still be writing files or starting containers when the cleanup runs.
    await Promise.allSettled([graph.settled(), interruptCleanup]);
    await stopEnvironment(config, name, cleanup);
    throw options.signal?.aborted && !(error instanceof InterruptedError) ? options.signal.reason : error;
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
  }
}
export { readEgress } from "./egress.ts";
