import type { InstanceShape } from "../components/component.ts";
import { guardOf } from "../components/egress.ts";
import { instanceNames } from "../components/registry.ts";
import { run } from "../support/run.ts";
import { blockedAttempts, blockedPackets } from "./blocked-packets.ts";
import { byFrequency, egressAttempts, resolverMisses, type EgressAttempt } from "./egress-report.ts";
import { containerNameOf } from "./identity.ts";

/** Each address of the environment's containers -> the instance it belongs to. */
async function addressesOf(environment: string, instances: readonly string[]): Promise<Map<string, string>> {
  const owners = new Map<string, string>();
  for (const instance of instances) {
    const found = await run("docker", [
      "inspect",
      "--format",
      "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}",
      containerNameOf(environment, instance),
    ]);
    if (found.code !== 0) continue;
    for (const address of found.stdout.trim().split(/\s+/).filter(Boolean)) owners.set(address, instance);
  }
  return owners;
}

const logsOf = async (container: string): Promise<string | undefined> => {
  const logs = await run("docker", ["logs", "--timestamps", container]);
  return logs.code === 0 ? logs.stdout + logs.stderr : undefined;
};

/** What each guard blocked, as attempts of the instance it guards; a missing guard adds nothing. */
async function blockedByGuards(environment: string, instances: readonly string[]): Promise<EgressAttempt[]> {
  const guarded = instances.filter((instance) => instances.includes(guardOf(instance)));
  const found = await Promise.all(
    guarded.map(async (target) => {
      const log = await logsOf(containerNameOf(environment, guardOf(target)));
      return log === undefined ? [] : blockedAttempts(target, blockedPackets(log));
    }),
  );
  return found.flat();
}

/**
 * What the environment's containers tried to reach outside the twin: the names its resolver answered
 * NXDOMAIN and the packets its egress guards blocked, most frequent first; undefined when the environment
 * has no resolver to read. `shape` says which instances it has (phase 1's when not given).
 */
export async function readEgress(
  environment: string,
  shape?: InstanceShape,
): Promise<EgressAttempt[] | undefined> {
  const log = await logsOf(containerNameOf(environment, "dns"));
  if (log === undefined) return undefined;
  const instances = instanceNames(undefined, shape);
  const owners = await addressesOf(environment, instances);
  const misses = egressAttempts(resolverMisses(log), (address) => owners.get(address) ?? address);
  return byFrequency([...misses, ...(await blockedByGuards(environment, instances))]);
}
