import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig, REPO_ROOT } from "../config.ts";
import { LABEL_OWNER } from "../support/cleanup.ts";
import { run } from "../support/run.ts";
import { ownerOf } from "../twin/identity.ts";

/** How the environment tests drive the harness's CLI as a user would, and what they look for afterwards. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The harness CLI as the npm scripts run it: one process, node with tsx's loader (no wrapper that
 * relays a signal once more), from the repository's own Node.
 */
export const HARNESS_CLI = {
  command: join(REPO_ROOT, "node_modules", ".bin", "node"),
  args: (...args: string[]) => ["--import", "tsx", "harness/cli.ts", ...args],
} as const;

/** Runs the harness CLI as a user would (npm run env:* runs the same), with extra environment variables. */
export function cli(
  args: string[],
  env: Record<string, string>,
  onStderr?: (text: string, child: ReturnType<typeof spawn>) => void,
): Promise<CliResult> {
  return new Promise((resolve) => {
    // Its own process group, as a terminal runs it: Ctrl-C is then a SIGINT to the whole group.
    const child = spawn(HARNESS_CLI.command, HARNESS_CLI.args(...args), {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      detached: true,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += String(chunk)));
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += String(chunk);
      onStderr?.(stderr, child);
    });
    // "close", not "exit": it fires once stdout and stderr are read to their end.
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * env:up interrupted as a terminal's Ctrl-C does (SIGINT to its whole process group) once its progress
 * shows `marker`.
 */
export async function upInterruptedAt(
  marker: string,
  env: Record<string, string>,
): Promise<CliResult & { sent: boolean }> {
  let sent = false;
  const result = await cli(["up"], env, (stderr, child) => {
    if (!sent && stderr.includes(marker) && child.pid !== undefined) {
      sent = true;
      process.kill(-child.pid, "SIGINT");
    }
  });
  return { ...result, sent };
}

/** What of an environment is still on the engine, by kind: ids of containers, networks and volumes with its label. */
export async function leftoversByKind(
  name: string,
): Promise<{ containers: string[]; networks: string[]; volumes: string[] }> {
  const filter = `label=${LABEL_OWNER}=${ownerOf(name)}`;
  const ids = async (args: string[]) =>
    (await run("docker", [...args, "-q", "--filter", filter])).stdout
      .split("\n")
      .filter((id) => id.trim() !== "");
  const [containers, networks, volumes] = await Promise.all([
    ids(["ps", "-a"]),
    ids(["network", "ls"]),
    ids(["volume", "ls"]),
  ]);
  return { containers, networks, volumes };
}

/** Everything of an environment still on the engine: containers, networks and volumes with its label. */
export async function leftovers(name: string): Promise<string[]> {
  const found = await leftoversByKind(name);
  return [...found.containers, ...found.networks, ...found.volumes];
}

/** The entry-point claims that name the environment (released by env:down and by a failed start). */
export function claimsOf(name: string): string[] {
  const dir = join(loadConfig().cacheDir, "entry-points");
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((file) => {
    try {
      return readFileSync(join(dir, file), "utf8").includes(`"${name}"`);
    } catch {
      return false; // released between the listing and the read
    }
  });
}

/** A finished step's progress line: `[component] what: 1.2 s (at 3.4 s)`. */
const STEP_DONE = /\(at [\d.]+ m?s\)$/;

/**
 * env:up killed (SIGKILL to its whole process group, as an out-of-memory kill or a closed terminal's
 * hang-up that nothing catches) `afterMs` after its `step`-th finished step: nothing of it can clean up,
 * and the kill lands inside env:up however fast the machine runs it (a moment counted from the start
 * can fall after its end). Returns its last progress line, to say where it was cut, and whether the
 * kill landed (false: env:up ended first).
 */
export function upKilledAfterStep(
  step: number,
  afterMs: number,
  env: Record<string, string>,
): Promise<{ lastLine: string; killed: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(HARNESS_CLI.command, HARNESS_CLI.args("up"), {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      detached: true,
    });
    let stderr = "";
    let finished = 0;
    let killed = false;
    let timer: NodeJS.Timeout | undefined;
    const kill = () => {
      killed = child.exitCode === null && child.signalCode === null;
      if (killed && child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    };
    child.stderr.on("data", (chunk: Buffer) => {
      const text = String(chunk);
      stderr += text;
      finished += text.split("\n").filter((line) => STEP_DONE.test(line)).length;
      // The fault's moment: where a kill lands is what the drill varies, not a wait for anything.
      if (finished >= step && timer === undefined) timer = setTimeout(kill, afterMs);
    });
    child.stdout.resume();
    child.on("exit", () => {
      clearTimeout(timer);
      resolve({ lastLine: stderr.trim().split("\n").at(-1) ?? "", killed });
    });
  });
}
