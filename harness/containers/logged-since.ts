import { run } from "../support/run.ts";

/** True when the container logged a line matching `pattern` since `since` (seconds since the epoch). */
export async function loggedSince(container: string, since: number, pattern: RegExp): Promise<boolean> {
  const logs = await run("docker", ["logs", "--since", String(since), container]);
  return pattern.test(logs.stdout + logs.stderr);
}

/**
 * True when the container logged a line matching `pattern` since it last started: a kept container's
 * start-up line counts as a restarted one's does, one from before a restart does not.
 */
export async function loggedSinceStart(container: string, pattern: RegExp): Promise<boolean> {
  const started = await run("docker", ["inspect", "--format", "{{.State.StartedAt}}", container]);
  const at = Date.parse(started.stdout.trim());
  // Whole seconds, rounded down: a process may log before the engine records its start.
  return started.code === 0 && !Number.isNaN(at) && loggedSince(container, Math.floor(at / 1000), pattern);
}
