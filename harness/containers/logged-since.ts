import { run } from "../support/run.ts";

/** True when the container logged a line matching `pattern` since `since` (seconds since the epoch). */
export async function loggedSince(container: string, since: number, pattern: RegExp): Promise<boolean> {
  const logs = await run("docker", ["logs", "--since", String(since), container]);
  return pattern.test(logs.stdout + logs.stderr);
}
