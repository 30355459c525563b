import { say } from "./progress.ts";
import { run } from "./run.ts";

/** Label on everything the harness creates; the value names the owner (an environment or a test run). */
export const LABEL_OWNER = "io.threadcast.harness.owner";

export interface RemoveOptions {
  /** Volumes that also carry this label stay (an environment's kept data). */
  readonly keepVolumesLabelled?: string;
}

/**
 * Removes every container (with its anonymous volumes), network and volume carrying `label=value`.
 * Idempotent and safe to run twice at once (a Ctrl-C cleanup and a failure's cleanup may overlap): what
 * counts is what is still there afterwards. Returns what could not be removed, and says so: cleanup never
 * fails silently.
 */
export async function removeLabelled(
  label: string,
  value: string,
  options: RemoveOptions = {},
): Promise<string[]> {
  const filter = `label=${label}=${value}`;
  const listIds = async (args: string[]) =>
    (await run("docker", args)).stdout.split("\n").filter((id) => id.trim() !== "");
  const list = async (kind: "container" | "network" | "volume") => {
    if (kind === "container") return listIds(["ps", "-aq", "--filter", filter]);
    const all = await listIds([kind, "ls", "-q", "--filter", filter]);
    const keep = options.keepVolumesLabelled;
    if (kind === "network" || !keep) return all;
    const kept = new Set(
      await listIds(["volume", "ls", "-q", "--filter", filter, "--filter", `label=${keep}`]),
    );
    return all.filter((id) => !kept.has(id));
  };
  const errors = new Map<string, string>();
  const remove = async (kind: "container" | "network" | "volume", args: string[]) => {
    // A removal another cleanup already started, or finished, is not an error; anything still listed is.
    for (let attempt = 0; attempt < 50; attempt += 1) {
      const ids = await list(kind);
      if (ids.length === 0) return;
      const result = await run("docker", [...args, ...ids]);
      if (result.code !== 0) errors.set(kind, result.stderr.trim());
      if (result.code !== 0 && !/already in progress|not found|No such/i.test(result.stderr)) break;
      if (result.code !== 0) await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };
  await remove("container", ["rm", "-f", "-v"]);
  await remove("network", ["network", "rm"]);
  await remove("volume", ["volume", "rm", "-f"]);
  const leftovers: string[] = [];
  for (const kind of ["container", "network", "volume"] as const) {
    const ids = await list(kind);
    if (ids.length > 0) leftovers.push(`${kind}s ${ids.join(" ")}: ${errors.get(kind) ?? "still there"}`);
  }
  for (const leftover of leftovers) say(`[cleanup] could not remove ${leftover}`);
  return leftovers;
}
