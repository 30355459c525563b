import { mkdirSync, rmSync } from "node:fs";
import type { TwinSteps } from "../components/component.ts";
import { instanceNames } from "../components/registry.ts";
import type { HarnessConfig } from "../config.ts";
import { ensureEngine } from "../engine/docker-engine.ts";
import { testcontainersEnv } from "../engine/testcontainers-env.ts";
import { InterruptedError } from "../errors.ts";
import { checkSpringBootJar } from "../reference-builds/jar-check.ts";
import { checkWebDist } from "../reference-builds/web-dist.ts";
import { removeLabelled } from "../support/cleanup.ts";
import { say } from "../support/progress.ts";
import { run } from "../support/run.ts";
import { bringUp } from "./bring-up.ts";
import { allocateEntryPoints, releaseEntryPoints, type Neighbours } from "./entry-points.ts";
import {
  claimsDir,
  envDir,
  readEnvironment,
  writeEnvironment,
  type Environment,
} from "./environment-state.ts";
import { containerNameOf, LABEL_COMPONENT, LABEL_OWNER, ownerOf } from "./identity.ts";
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
}

/** Other environments as the entry-point allocator sees them: by their containers and published ports. */
const neighbours: Neighbours = {
  async hasContainers(name) {
    return Object.keys(await containerStates(name)).length > 0;
  },
  async publisherOf(address) {
    const format = `{{.Label "${LABEL_OWNER}"}}\t{{.Ports}}`;
    const listed = await run("docker", ["ps", "--filter", `label=${LABEL_OWNER}`, "--format", format]);
    const line = listed.stdout.split("\n").find((row) => row.includes(`${address}:`));
    return line?.split("\t")[0]?.replace(/^env-/, "");
  },
};

/** Running state of each labelled container of an environment: instance -> "running" | "exited" | .... */
export async function containerStates(name: string): Promise<Record<string, string>> {
  const format = `{{.Label "${LABEL_COMPONENT}"}} {{.State}}`;
  const filter = `label=${LABEL_OWNER}=${ownerOf(name)}`;
  const listed = await run("docker", ["ps", "-a", "--filter", filter, "--format", format]);
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

/** The environment when every instance runs; a refusal naming the fix when only some exist. */
async function existingEnvironment(config: HarnessConfig): Promise<Environment | undefined> {
  const name = config.envName;
  const existing = readEnvironment(config, name);
  const states = await containerStates(name);
  const broken = COMPONENT_NAMES.filter((instance) => states[instance] !== "running");
  if (existing && broken.length === 0) return existing;
  if (existing || Object.keys(states).length > 0) {
    throw new EnvironmentError(
      `environment "${name}" is partly up (not running: ${broken.join(", ")})`,
      `take it down first: HARNESS_ENV=${name} npm run env:down (or look first: npm run env:logs -- ${broken[0] ?? "app"})`,
    );
  }
  return undefined;
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
  const existing = await existingEnvironment(config);
  if (existing) return { environment: existing, reused: true };

  // Bad input is refused before anything starts.
  if (config.appJar) checkSpringBootJar(config.appJar);
  if (config.webDist) checkWebDist(config.webDist);
  const { points: entries, movedPast } = await allocateEntryPoints(name, claimsDir(config), neighbours);
  for (const { octet, holder } of movedPast) {
    say(`[entry points] 127.88.${octet}.* is held by environment "${holder}"; moving on`);
  }
  const dir = envDir(config, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const graph = new StartGraph<TwinSteps>(options.signal);
  // Ctrl-C: remove what exists now, so the steps in flight fail fast; the catch below removes the rest.
  let interruptCleanup: Promise<unknown> = Promise.resolve();
  const onAbort = () => void (interruptCleanup = removeLabelled(LABEL_OWNER, ownerOf(name)));
  options.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const environment = await bringUp({ config, dir, entries }, graph);
    writeEnvironment(environment);
    return { environment, reused: false };
  } catch (error) {
    say(`[${name}] start-up failed: removing what it started`);
    // Nothing may still be writing files or starting containers when the cleanup runs.
    await Promise.allSettled([graph.settled(), interruptCleanup]);
    await stopEnvironment(config, name);
    throw options.signal?.aborted && !(error instanceof InterruptedError) ? options.signal.reason : error;
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
  }
}
