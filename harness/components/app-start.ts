import { setTimeout as delay } from "node:timers/promises";
import type { StartedTestContainer } from "testcontainers";
import { AppContainer, PROCESS_EXITED } from "../containers/app-container.ts";
import { startReady } from "../containers/exit-aware-wait.ts";
import { LogTail } from "../containers/log-tail.ts";
import { ProbeWait } from "../containers/probe-wait.ts";
import { FixtureBuildError } from "../reference-builds/backend-jar.ts";
import { formatMs } from "../support/progress.ts";
import type { ServiceUnit } from "../twin/systemd-unit.ts";
import type { TwinNetworks } from "./component.ts";

export interface AppStart {
  readonly image: string;
  readonly jarPath: string;
  readonly unit: ServiceUnit;
  readonly owner: string;
  readonly labels: Record<string, string>;
  readonly name: string;
  readonly limits: { readonly cpus: number; readonly memoryGiB: number };
  readonly networks: TwinNetworks;
  readonly address: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly startupTimeoutMs: number;
}

/**
 * Starts the instance stand-in and waits for /api/health on its 8080 entry point. A process that exits
 * before it is healthy (a jar that cannot start) or a health check that never passes fails with the
 * app's last log lines.
 */
export function startApp(start: AppStart, signal: AbortSignal): Promise<StartedTestContainer> {
  const logs = new LogTail();
  const container = new AppContainer({
    logs,
    image: start.image,
    jarPath: start.jarPath,
    unit: start.unit,
    environment: start.environment,
    cpus: start.limits.cpus,
    memoryGiB: start.limits.memoryGiB,
    owner: start.owner,
    networks: [{ name: start.networks.public }, { name: start.networks.private }],
    entry: { address: start.address, ready: healthWait(`http://${start.address}:8080/api/health`, logs) },
    startupTimeoutMs: start.startupTimeoutMs,
  });
  return startReady(container.withLabels(start.labels).withName(start.name), signal, "app", logs);
}

/** 200 from the health URL; fails at once when the unit's process exits, with the app's last lines. */
function healthWait(healthUrl: string, logs: LogTail): ProbeWait {
  return new ProbeWait(async (timeoutMs, _id, signal) => {
    const exited = logs.watch(PROCESS_EXITED);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let last: string;
      signal.throwIfAborted();
      if (exited()) throw appFailure(`the app's process exited before it became healthy`, logs);
      try {
        const response = await fetch(healthUrl, {
          signal: AbortSignal.any([signal, AbortSignal.timeout(2_000)]),
        });
        if (response.status === 200) return;
        last = `HTTP ${response.status}`;
      } catch (error) {
        last = (error as Error).message;
      }
      if (Date.now() > deadline)
        throw appFailure(
          `the app did not become healthy within ${formatMs(timeoutMs)} (${healthUrl}: ${last})`,
          logs,
        );
      await delay(200, undefined, { signal });
    }
  });
}

function appFailure(message: string, logs: LogTail): FixtureBuildError {
  return new FixtureBuildError(
    `${message}; its last log lines:\n${logs.last(25) || "(nothing logged)"}`,
    "run the jar locally with the same environment to see why (npm run env:logs -- app shows the same log while it runs)",
  );
}
