import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { detachFromDefaultBridge } from "./default-bridge.ts";

export interface ContainerNetwork {
  readonly name: string;
  readonly aliases?: readonly string[];
  /** A fixed address in the network's subnet (the twin's resolver, the instance, the edge). */
  readonly ip?: string;
}

const docker = (...args: string[]) => promisify(execFile)("docker", args);

async function connect(containerId: string, network: ContainerNetwork): Promise<void> {
  const aliases = (network.aliases ?? []).flatMap((alias) => ["--alias", alias]);
  await docker(
    "network",
    "connect",
    ...(network.ip ? ["--ip", network.ip] : []),
    ...aliases,
    network.name,
    containerId,
  );
}

/**
 * Docker 20.10 creates a container on one network only: off the default bridge, then onto the others
 * (with their aliases and fixed addresses) before it starts. A network the container is already on
 * (testcontainers' primary one) is joined again when it must have a fixed address there.
 */
export async function attachExtraNetworks(
  containerId: string,
  networks: readonly ContainerNetwork[],
): Promise<void> {
  await detachFromDefaultBridge(containerId);
  const { stdout } = await docker("inspect", "--format", "{{json .NetworkSettings.Networks}}", containerId);
  const joined = Object.keys(JSON.parse(stdout) as Record<string, unknown>);
  for (const network of networks) {
    if (joined.includes(network.name)) {
      if (!network.ip) continue;
      await docker("network", "disconnect", network.name, containerId);
    }
    await connect(containerId, network);
  }
}

/** The twin's resolver as a container's DNS server: Docker's embedded DNS forwards to it what it cannot answer. */
export function useResolver(hostConfig: { Dns?: string[] }, resolvers: readonly string[] | undefined): void {
  if (resolvers && resolvers.length > 0) hostConfig.Dns = [...resolvers];
}
