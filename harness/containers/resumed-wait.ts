import { setTimeout as delay } from "node:timers/promises";
import { formatMs } from "../support/progress.ts";
import { lastLines, run } from "../support/run.ts";
import { ContainerExitedError } from "./exit-aware-wait.ts";

/**
 * Waits for a container that was started again (`docker start`) to be ready: `probe` answers true, or the
 * wait fails at once when the container stops, with its last log lines, or after `timeoutMs`. Polls the
 * component's own readiness signal (its health check, its health URL), never a fixed pause.
 */
export async function waitResumed(
  id: string,
  name: string,
  probe: () => Promise<boolean>,
  signal: AbortSignal,
  timeoutMs = 180_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    signal.throwIfAborted();
    if (await probe().catch(() => false)) return;
    const state = (await run("docker", ["inspect", "--format", "{{.State.Status}}", id])).stdout.trim();
    if (state !== "running") {
      const logs = await run("docker", ["logs", "--tail", "25", id]);
      throw new ContainerExitedError(
        `the ${name} container ${state || "is gone"} before it was ready; its last log lines:\n${lastLines(logs.stdout + logs.stderr, 25) || "(nothing logged)"}`,
        `npm run env:logs -- ${name} shows its whole log while the environment exists`,
      );
    }
    if (Date.now() > deadline)
      throw new ContainerExitedError(
        `the ${name} container was not ready within ${formatMs(timeoutMs)}`,
        `npm run env:logs -- ${name} shows why; HARNESS_ENV=<name> npm run env:down removes the environment`,
      );
    await delay(250, undefined, { signal });
  }
}

/** True when `url` answers 200 within two seconds. */
export async function answers200(url: string, signal: AbortSignal): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(2_000)]) });
  await response.body?.cancel();
  return response.status === 200;
}

/** True when the container's own health check says healthy. */
export async function dockerHealthy(id: string): Promise<boolean> {
  const health = await run("docker", ["inspect", "--format", "{{.State.Health.Status}}", id]);
  return health.stdout.trim() === "healthy";
}
