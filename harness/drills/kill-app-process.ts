import { run } from "../support/run.ts";
import type { Environment } from "../twin/environment.ts";

/**
 * Kills the app's process with SIGKILL (a crash), leaving its container and the supervisor running:
 * like systemd with the unit's Restart=always, the supervisor starts it again after RestartSec.
 */
export async function killAppProcess(environment: Environment, executable: string): Promise<void> {
  const killed = await run("docker", [
    "exec",
    environment.containers.app,
    "sh",
    "-c",
    // Processes whose command line starts with the unit's executable; not this shell, not the supervisor.
    'for p in /proc/[0-9]*; do case "$(tr "\\0" " " < "$p/cmdline" 2>/dev/null)" in "$0 "*) kill -KILL "${p#/proc/}";; esac; done',
    executable,
  ]);
  if (killed.code !== 0) throw new Error(`cannot kill the app's process: ${killed.stderr.trim()}`);
}
