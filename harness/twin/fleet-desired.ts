import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EnvironmentError } from "../errors.ts";
import type { FleetTopology } from "./fleet-topology.ts";

/** The group's desired capacity as `npm run env:scale` set it, in the environment's directory. */
const desiredFile = (dir: string) => join(dir, "fleet.json");

/**
 * The desired capacity: what env:scale or the policy set, else the template's; within the group's
 * min..max as they are now (Auto Scaling moves the desired capacity into a changed range).
 */
export function readDesired(dir: string, fleet: FleetTopology): number {
  if (!existsSync(desiredFile(dir))) return fleet.desiredCapacity;
  const saved = JSON.parse(readFileSync(desiredFile(dir), "utf8")) as { desired?: unknown };
  if (typeof saved.desired !== "number") return fleet.desiredCapacity;
  return Math.min(fleet.maxSize, Math.max(fleet.minSize, saved.desired));
}

/** Sets the desired capacity, refused outside the group's min..max as SetDesiredCapacity refuses it. */
export function writeDesired(dir: string, fleet: FleetTopology, desired: number): void {
  if (!Number.isInteger(desired) || desired < fleet.minSize || desired > fleet.maxSize)
    throw new EnvironmentError(
      `the group's desired capacity must be a whole number from its min ${fleet.minSize} to its max ${fleet.maxSize}; got ${desired}`,
      `npm run env:scale -- <n> with ${fleet.minSize} <= n <= ${fleet.maxSize} (the group's minCapacity and maxCapacity in infra/lib/constructs/api-fleet.ts)`,
    );
  const temporary = `${desiredFile(dir)}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify({ desired })}\n`);
  renameSync(temporary, desiredFile(dir));
}
