import { run } from "../support/run.ts";

/**
 * A twin container's logs, stdout and stderr apart, as `docker logs` shows them: since a relative time
 * such as "2m", the last `tail` lines, with timestamps, when asked.
 */
export async function containerLogs(
  containerId: string,
  options: { since?: string; tail?: number; timestamps?: boolean } = {},
): Promise<{ stdout: string; stderr: string }> {
  const since = options.since === undefined ? [] : ["--since", options.since];
  const tail = options.tail === undefined ? [] : ["--tail", String(options.tail)];
  const timestamps = options.timestamps ? ["--timestamps"] : [];
  const logs = await run("docker", ["logs", ...timestamps, ...tail, ...since, containerId]);
  return { stdout: logs.stdout, stderr: logs.stderr };
}
