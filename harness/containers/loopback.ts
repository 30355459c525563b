import type { HostConfig } from "dockerode";

/**
 * Rewrites every published port of a container-to-be so it binds to a loopback address only (127.0.0.1
 * unless an entry-point address is given): the twin is reachable from this machine, never from the
 * network it sits on.
 */
export function bindPublishedPortsToLoopback(hostConfig: HostConfig, address = "127.0.0.1"): void {
  if (!address.startsWith("127.")) throw new Error(`${address} is not a loopback address`);
  for (const bindings of Object.values(hostConfig.PortBindings ?? {}) as { HostIp?: string }[][]) {
    for (const binding of bindings) binding.HostIp = address;
  }
}
