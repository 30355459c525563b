import { LABEL_OWNER } from "../support/cleanup.ts";
import { run } from "../support/run.ts";
import type { Environment } from "../twin/environment.ts";
import { networkNameOf } from "../twin/identity.ts";

/**
 * A network standing in for the operator's own address range: a vantage point on it probes from the
 * operator's address, and the instance joins it so that address can reach it. Labelled with the
 * environment's owner, so env:down removes it too.
 */
export function operatorNetworkOf(environment: Environment): string {
  return networkNameOf(environment.name, "operator");
}

/** Creates the operator network on `subnet`; the caller judges the result (it is what the test checks). */
export function createOperatorNetwork(
  environment: Environment,
  subnet: string,
): Promise<{ code: number; stderr: string }> {
  return run("docker", [
    "network",
    "create",
    "--subnet",
    subnet,
    "--label",
    `${LABEL_OWNER}=${environment.owner}`,
    operatorNetworkOf(environment),
  ]);
}

/** Connects the instance (the app's container) to the operator network at `ip`. */
export async function attachAppToOperatorNetwork(environment: Environment, ip: string): Promise<void> {
  await run("docker", [
    "network",
    "connect",
    "--ip",
    ip,
    operatorNetworkOf(environment),
    environment.containers.app,
  ]);
}

/** Disconnects the instance and removes the operator network; a network that was never made is no error. */
export async function removeOperatorNetwork(environment: Environment): Promise<void> {
  await run("docker", [
    "network",
    "disconnect",
    "-f",
    operatorNetworkOf(environment),
    environment.containers.app,
  ]);
  await run("docker", ["network", "rm", operatorNetworkOf(environment)]);
}
