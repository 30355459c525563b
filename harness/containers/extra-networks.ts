import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { detachFromDefaultBridge } from "./default-bridge.ts";

export interface ContainerNetwork {
  readonly name: string;
  readonly aliases?: readonly string[];
}

/**
 * Docker 20.10 creates a container on one network only: off the default bridge, then onto the others
 * (with their aliases) before it starts.
 */
export async function attachExtraNetworks(
  containerId: string,
  networks: readonly ContainerNetwork[],
): Promise<void> {
  await detachFromDefaultBridge(containerId);
  for (const network of networks) {
    const aliases = (network.aliases ?? []).flatMap((alias) => ["--alias", alias]);
    await promisify(execFile)("docker", ["network", "connect", ...aliases, network.name, containerId]);
  }
}
