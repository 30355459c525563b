import { randomUUID } from "node:crypto";
import type { TestProject } from "vitest/node";
import { loadConfig, type HarnessConfig } from "../../harness/config.ts";
import { say } from "../../harness/support/progress.ts";
import { startEnvironment, stopEnvironment, type Environment } from "../../harness/twin/environment.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** The twin the scenarios run against, started (or reused) once for the whole run. */
    twin: Environment;
  }
}

/**
 * Starts `config`'s twin for a scenario project and provides it to the project's tests; the teardown
 * removes it unless `keep` (a twin the user named, which stays up).
 */
export async function provideTwin(
  project: TestProject,
  config: HarnessConfig,
  keep: boolean,
): Promise<() => Promise<void>> {
  const { environment, reused } = await startEnvironment(config);
  say(`[scenarios] twin "${environment.name}" ${reused ? "reused" : "started"}: ${environment.urls.site}`);
  project.provide("twin", environment);
  return async () => {
    if (keep) {
      say(`[scenarios] leaving environment "${environment.name}" up (HARNESS_ENV named it)`);
      return;
    }
    await stopEnvironment(config);
  };
}

/**
 * The twin for the scenarios, once per run. With HARNESS_ENV set, that environment is used (started when
 * it is not up) and left up afterwards; otherwise a run-scoped environment is started and removed.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const named = process.env.HARNESS_ENV?.trim();
  const config = { ...loadConfig(), envName: named || `scn-${randomUUID().slice(0, 8)}` };
  return provideTwin(project, config, Boolean(named));
}
