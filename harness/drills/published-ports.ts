import { run } from "../support/run.ts";

/** A twin container's published ports, one `docker port` line each ("443/tcp -> 127.88.1.1:443"). */
export async function publishedPorts(containerId: string): Promise<string[]> {
  const ports = await run("docker", ["port", containerId]);
  return ports.stdout.split("\n").filter((entry) => entry.trim() !== "");
}
