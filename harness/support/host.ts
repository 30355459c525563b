import { accessSync, constants, readFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { HarnessError } from "../errors.ts";
import { lastLines, run } from "./run.ts";
import { say } from "./progress.ts";

/** ID and ID_LIKE of /etc/os-release, lower-case; empty where there is no such file. */
export function osIds(path = "/etc/os-release"): string[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return [];
  }
  const ids: string[] = [];
  for (const line of text.split("\n")) {
    const match = /^(ID|ID_LIKE)=(.*)$/.exec(line.trim());
    if (match?.[2]) ids.push(...match[2].replace(/["']/g, "").toLowerCase().split(/\s+/));
  }
  return ids.filter((id) => id !== "");
}

/** The absolute path of an executable found on PATH (or in the extra directories), if any. */
export function findExecutable(name: string, extraDirs: readonly string[] = []): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), ...extraDirs].filter((dir) => dir !== "");
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

export const isRoot = (): boolean => process.getuid?.() === 0;

let aptListsFresh = false;
/** apt takes a system-wide lock: installs from concurrent callers run one after the other. */
let aptQueue: Promise<unknown> = Promise.resolve();

/** Installs Debian packages with apt-get (root only); failures carry apt's last lines. */
export function aptInstall(packages: readonly string[], signal?: AbortSignal): Promise<void> {
  const next = aptQueue.then(() => aptInstallNow(packages, signal));
  aptQueue = next.catch(() => undefined);
  return next;
}

async function aptInstallNow(packages: readonly string[], signal?: AbortSignal): Promise<void> {
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  // Wait for another apt (an unattended upgrade, say) instead of failing on its lock.
  const lock = ["-o", "DPkg::Lock::Timeout=300"];
  if (!aptListsFresh) {
    const update = await run("apt-get", [...lock, "update"], { env, signal });
    if (update.code !== 0) {
      throw new HarnessError(
        `apt-get update failed (exit ${update.code}):\n${lastLines(update.stdout + update.stderr, 15)}`,
        "check that Debian's package mirrors are reachable from this host",
      );
    }
    aptListsFresh = true;
  }
  say(`[host] apt-get install ${packages.join(" ")}`);
  const install = await run("apt-get", [...lock, "install", "-y", "--no-install-recommends", ...packages], {
    env,
    signal,
  });
  if (install.code !== 0) {
    throw new HarnessError(
      `apt-get install ${packages.join(" ")} failed (exit ${install.code}):\n${lastLines(install.stdout + install.stderr, 15)}`,
      `install ${packages.join(" ")} by hand and run again`,
    );
  }
}

/** What {@link ensureCommand} looks for, installs, and says when it can do neither. */
export interface HostCommand {
  /** Executable names, the first found wins. */
  readonly names: readonly string[];
  /** Directories searched besides PATH (sbin for system tools). */
  readonly extraDirs?: readonly string[];
  /** Debian packages that provide it. */
  readonly packages: readonly string[];
  /** The error to throw when it is missing and cannot be installed (its message says why it is needed). */
  readonly missing: () => Error;
}

/**
 * A command this host must have: found on PATH (or in `extraDirs`), or installed from Debian's packages
 * on a Debian/Ubuntu host as root, unless HARNESS_AUTO_INSTALL=never. Otherwise `missing()` is thrown.
 */
export async function ensureCommand(
  autoInstall: "auto" | "never",
  command: HostCommand,
  signal?: AbortSignal,
): Promise<string> {
  const find = () =>
    command.names.map((name) => findExecutable(name, command.extraDirs)).find((path) => path !== undefined);
  const found = find();
  if (found) return found;
  if (autoInstall === "auto" && isRoot() && osIds().some((id) => id === "debian" || id === "ubuntu")) {
    await aptInstall(command.packages, signal);
    const installed = find();
    if (installed) return installed;
  }
  throw command.missing();
}
