import { instanceNames } from "../components/registry.ts";
import { run } from "../support/run.ts";
import { egressAttempts, resolverMisses, type EgressAttempt } from "./egress-report.ts";
import { containerNameOf } from "./identity.ts";

/** Each address of the environment's containers -> the instance it belongs to. */
async function addressesOf(environment: string): Promise<Map<string, string>> {
  const owners = new Map<string, string>();
  for (const instance of instanceNames()) {
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

/**
 * What the environment's containers tried to reach outside the twin, from its resolver's log; undefined
 * when the environment has no resolver to read.
 */
export async function readEgress(environment: string): Promise<EgressAttempt[] | undefined> {
  const logs = await run("docker", ["logs", "--timestamps", containerNameOf(environment, "dns")]);
  if (logs.code !== 0) return undefined;
  const owners = await addressesOf(environment);
  return egressAttempts(
    resolverMisses(logs.stdout + logs.stderr),
    (address) => owners.get(address) ?? address,
  );
}
