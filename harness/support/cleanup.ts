import { say } from "./progress.ts";
import { run } from "./run.ts";

/** Label on everything the harness creates; the value names the owner (an environment or a test run). */
export const LABEL_OWNER = "io.threadcast.harness.owner";

/**
 * Removes every container (with its anonymous volumes), network and volume carrying `label=value`.
 * Returns what could not be removed, and says so: cleanup never fails silently.
 */
export async function removeLabelled(label: string, value: string): Promise<string[]> {
  const filter = `label=${label}=${value}`;
  const leftovers: string[] = [];
  const list = async (kind: "container" | "network" | "volume") => {
    const args =
      kind === "container" ? ["ps", "-aq", "--filter", filter] : [kind, "ls", "-q", "--filter", filter];
    const result = await run("docker", args);
    return result.stdout.split("\n").filter((id) => id.trim() !== "");
  };
  const remove = async (kind: string, args: string[], ids: string[]) => {
    if (ids.length === 0) return;
    const result = await run("docker", [...args, ...ids]);
    if (result.code !== 0) leftovers.push(`${kind} ${ids.join(" ")}: ${result.stderr.trim()}`);
  };
  await remove("containers", ["rm", "-f", "-v"], await list("container"));
  await remove("networks", ["network", "rm"], await list("network"));
  await remove("volumes", ["volume", "rm", "-f"], await list("volume"));
  for (const leftover of leftovers) say(`[cleanup] could not remove ${leftover}`);
  return leftovers;
}
