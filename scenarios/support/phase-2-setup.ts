import { randomUUID } from "node:crypto";
import type { TestProject } from "vitest/node";
import { loadConfig } from "../../harness/config.ts";
import { provideTwin } from "./global-setup.ts";

/**
 * Phase 2's twin for its scenarios, once per run: the ALB, the group, Multi-AZ and the broker behind the
 * same names. HARNESS_ENV_PHASE_2 names an environment to use and leave up; otherwise a run-scoped one is
 * started and removed. The group's clock runs ten times AWS's (HARNESS_TIME_SCALE, unless set), so
 * grace periods and health-check windows take seconds, as drills want them.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const named = process.env.HARNESS_ENV_PHASE_2?.trim();
  const base = loadConfig();
  const config = {
    ...base,
    phase: 2 as const,
    timeScale: process.env.HARNESS_TIME_SCALE ? base.timeScale : 10,
    envName: named || `scn2-${randomUUID().slice(0, 8)}`,
  };
  return provideTwin(project, config, Boolean(named));
}
