import { run } from "../support/run.ts";

/** The IP address of a twin container on one of its networks; fails when it has none there. */
export async function addressOn(containerId: string, network: string): Promise<string> {
  const result = await run("docker", [
    "inspect",
    "--format",
    `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`,
    containerId,
  ]);
  const address = result.stdout.trim();
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(address)) throw new Error(`${containerId} has no address on ${network}`);
  return address;
}
