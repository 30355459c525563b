import { run } from "../support/run.ts";

/** When a twin container was last started, as Docker reports it: a restart changes it, a crash inside does not. */
export async function containerStartedAt(containerId: string): Promise<string> {
  return (await run("docker", ["inspect", "--format", "{{.State.StartedAt}}", containerId])).stdout.trim();
}
