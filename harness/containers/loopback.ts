import type { HostConfig } from "dockerode";

/**
 * Rewrites every published port of a container-to-be so it binds to 127.0.0.1 only: the twin is
 * reachable from this machine, never from the network it sits on.
 */
export function bindPublishedPortsToLoopback(hostConfig: HostConfig): void {
  for (const bindings of Object.values(hostConfig.PortBindings ?? {}) as { HostIp?: string }[][]) {
    for (const binding of bindings) binding.HostIp = "127.0.0.1";
  }
}
