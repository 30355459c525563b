import { run } from "../support/run.ts";

/**
 * A twin container's logs, stdout and stderr apart, as `docker logs` shows them (since a relative time
 * such as "2m" when given).
 */
export async function containerLogs(
  containerId: string,
  options: { since?: string } = {},
): Promise<{ stdout: string; stderr: string }> {
  const since = options.since === undefined ? [] : ["--since", options.since];
  const logs = await run("docker", ["logs", ...since, containerId]);
  return { stdout: logs.stdout, stderr: logs.stderr };
}
