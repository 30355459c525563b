import { setTimeout as delay } from "node:timers/promises";
import type { HarnessConfig } from "../config.ts";
import { ensureEngine, harnessStartedEngine } from "../engine/docker-engine.ts";
import { processAlive } from "../support/process-alive.ts";

/**
 * Restarts the Docker engine as a reboot or a laptop's sleep does to a twin: every container exits with
 * it. Only the dockerd this harness started is touched (refused otherwise: a Docker Desktop or a system
 * service is not ours to stop). Returns how long the engine was away.
 */
export async function restartHarnessEngine(config: HarnessConfig): Promise<number> {
  const pid = harnessStartedEngine(config);
  if (pid === undefined)
    throw new Error("the engine was not started by this harness: it is not ours to restart");
  const started = performance.now();
  process.kill(pid, "SIGTERM");
  // dockerd stops its containers (10 s grace each, in parallel) before it exits.
  const deadline = Date.now() + 90_000;
  while (processAlive(pid)) {
    if (Date.now() > deadline) throw new Error(`dockerd (pid ${pid}) did not exit within 90 s of SIGTERM`);
    await delay(200);
  }
  const engine = await ensureEngine(config);
  if (engine.provenance === "found") throw new Error("another engine answered after dockerd stopped");
  return performance.now() - started;
}
