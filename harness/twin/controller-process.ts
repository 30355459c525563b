import { spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { REPO_ROOT, type HarnessConfig } from "../config.ts";
import { EnvironmentError } from "../errors.ts";
import { processAlive } from "../support/process-alive.ts";
import { lastLines } from "../support/run.ts";

/** The group controller's pid and log, in the environment's directory. */
export const controllerFiles = (dir: string) => ({
  pid: join(dir, "controller.pid"),
  log: join(dir, "controller.log"),
});

/** Has the controller look at the group now instead of at its next check (env:scale sends it). */
export const WAKE_SIGNAL = "SIGUSR1";

/** What the controller prints once it watches the group: its readiness signal. */
const WATCHING = /^\[controller\] group /m;

/** The command line of a running process (Linux's /proc, else ps), or "" when it cannot be read. */
function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
  } catch {
    const listed = spawnSync("ps", ["-p", String(pid), "-o", "args="], { encoding: "utf8" });
    return listed.status === 0 ? listed.stdout : "";
  }
}

/**
 * The controller's pid while it runs, else undefined: a pid file whose process is gone, or whose pid
 * now belongs to another program, names no controller (it is never signalled).
 */
export function controllerPid(dir: string): number | undefined {
  const { pid } = controllerFiles(dir);
  if (!existsSync(pid)) return undefined;
  const value = Number(readFileSync(pid, "utf8").trim());
  if (!Number.isInteger(value) || value <= 0 || !processAlive(value)) return undefined;
  return /cli\.ts controller/.test(commandOf(value)) ? value : undefined;
}

/**
 * The settings of `config` the controller's own loadConfig must see as env:up saw them: the phase, the
 * group's clock, and the release its replacements are built from.
 */
export function controllerSettings(config: HarnessConfig): Record<string, string> {
  const optional = (key: string, value: string | undefined) => (value === undefined ? {} : { [key]: value });
  return {
    HARNESS_PHASE: String(config.phase),
    HARNESS_TIME_SCALE: String(config.timeScale),
    HARNESS_APP_START_TIMEOUT: String(Math.round(config.appStartTimeoutMs / 1000)),
    HARNESS_APP_ENV_OVERRIDE: config.appEnvOverride ? "1" : "0",
    ...optional("HARNESS_APP_JAR", config.appJar),
    ...optional("HARNESS_APP_DIR", config.appDir),
    ...optional("HARNESS_APP_ENV_FILE", config.appEnvFile),
  };
}

/**
 * Starts the environment's group controller (`cli.ts controller`, detached, its output in
 * controller.log) unless it runs already, and waits until it says it watches the group. `settings` are
 * the HARNESS_* values env:up ran with (a caller's configuration need not be in this process's env).
 */
export async function ensureController(
  name: string,
  dir: string,
  settings: Readonly<Record<string, string>> = {},
  timeoutMs = 120_000,
): Promise<number> {
  const running = controllerPid(dir);
  if (running !== undefined) return running;
  const files = controllerFiles(dir);
  // Only what this start writes counts: the log keeps the lines of earlier controllers.
  const from = existsSync(files.log) ? statSync(files.log).size : 0;
  const log = openSync(files.log, "a");
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(REPO_ROOT, "harness", "cli.ts"), "controller"],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, ...settings, HARNESS_ENV: name },
      detached: true,
      stdio: ["ignore", log, log],
    },
  );
  closeSync(log);
  child.unref();
  if (child.pid === undefined) throw new EnvironmentError("the group controller could not be started");
  writeFileSync(files.pid, `${child.pid}\n`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = readFileSync(files.log).subarray(from).toString("utf8");
    if (WATCHING.test(text)) return child.pid;
    const alive = processAlive(child.pid);
    if (!alive || Date.now() > deadline) {
      await stopController(dir);
      throw new EnvironmentError(
        `the group controller ${alive ? "did not start watching in time" : "exited"}; its log:\n${lastLines(text, 20)}`,
        `its whole log is ${files.log}`,
      );
    }
    await delay(200);
  }
}

/** Stops the controller (SIGTERM, then SIGKILL after `graceMs`) before its environment is taken down. */
export async function stopController(dir: string, graceMs = 15_000): Promise<void> {
  const pid = controllerPid(dir);
  if (pid !== undefined) {
    process.kill(pid, "SIGTERM");
    const deadline = Date.now() + graceMs;
    while (processAlive(pid) && Date.now() < deadline) await delay(100);
    if (processAlive(pid)) process.kill(pid, "SIGKILL");
  }
  rmSync(controllerFiles(dir).pid, { force: true });
}
