import { execFile } from "node:child_process";
import { promisify } from "node:util";

/**
 * testcontainers creates a container that has network aliases on Docker's default bridge and then
 * connects it to the requested network: the container would sit on both. The twin's containers must be
 * on their own networks only (a database on the default bridge is reachable from outside its internal
 * network), so this detaches a created container from the default bridge before it starts.
 */
export async function detachFromDefaultBridge(containerId: string): Promise<void> {
  const { stdout } = await promisify(execFile)("docker", [
    "inspect",
    "--format",
    "{{json .NetworkSettings.Networks}}",
    containerId,
  ]);
  if ("bridge" in (JSON.parse(stdout) as Record<string, unknown>)) {
    await promisify(execFile)("docker", ["network", "disconnect", "bridge", containerId]);
  }
}
