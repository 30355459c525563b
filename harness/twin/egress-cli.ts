import { loadConfig } from "../config.ts";
import { ensureEngine } from "../engine/docker-engine.ts";
import { out, say } from "../support/progress.ts";
import { describeAttempt, type EgressAttempt } from "./egress-report.ts";
import { readEgress } from "./egress.ts";
import type { InstanceShape } from "../components/component.ts";
import { guardOf } from "../components/egress.ts";
import { instanceNames } from "../components/registry.ts";
import { readEnvironment, shapeOf } from "./environment-state.ts";

/** The instances an egress guard watches, in the environment of this shape. */
function guardedInstances(shape: InstanceShape | undefined): string[] {
  const names = instanceNames(undefined, shape);
  return names.filter((name) => names.includes(guardOf(name)));
}

/** env:status's lines on egress: the most frequent few, and where the rest are. */
export function egressLines(attempts: readonly EgressAttempt[], shown = 5): string[] {
  if (attempts.length === 0) return ["  egress: nothing looked up or sent outside the twin"];
  const lines = attempts.slice(0, shown).map((attempt) => `  egress: ${describeAttempt(attempt)}`);
  if (attempts.length > shown)
    lines.push(`  egress: ${attempts.length - shown} more (npm run env:egress lists them all)`);
  return lines;
}

/** `npm run env:egress`: everything the environment's containers tried to reach outside the twin. */
export async function envEgress(): Promise<number> {
  const config = loadConfig();
  await ensureEngine(config);
  const saved = readEnvironment(config);
  const shape = saved && shapeOf(saved);
  const attempts = await readEgress(config.envName, shape);
  if (!attempts) {
    say(`environment "${config.envName}" has no resolver to read (is it up? npm run env:status)`);
    return 3;
  }
  out(`environment "${config.envName}": what its containers tried to reach outside the twin`);
  out(`  names its resolver does not hold (answered NXDOMAIN), and packets for addresses outside the twin's`);
  out(
    `  subnets that the egress guards blocked in ${guardedInstances(shape).join(", ")}${shape?.phase === 2 ? " (" : " (the proxy shares the app's namespace;"}`,
  );
  out(`  the database's network has no route out, so nothing it might send leaves it or is seen)`);
  if (attempts.length === 0) out("  none");
  for (const attempt of attempts)
    out(`  ${describeAttempt(attempt)}; first ${attempt.first}, last ${attempt.last}`);
  return 0;
}
