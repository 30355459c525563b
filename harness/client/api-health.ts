import type { Dispatcher } from "undici";
import { waitFor } from "../support/wait-for.ts";
import { send } from "./send.ts";
import type { Target } from "./target.ts";

/** The status of the API's health check; 0 when it cannot be reached at all (refused, reset, timed out). */
export async function apiHealth(dispatcher: Dispatcher, target: Target): Promise<number> {
  try {
    return (await send(dispatcher, `${target.urls.api}/health`)).status;
  } catch {
    return 0;
  }
}

/**
 * Waits until the health check answers 200, for at most `ms` (the harness's readiness wait, polling):
 * how a scenario sees a component come back after a fault.
 */
export function healthyWithin(dispatcher: Dispatcher, target: Target, ms: number): Promise<true> {
  return waitFor(
    "the API to be healthy",
    async () => ((await apiHealth(dispatcher, target)) === 200 ? true : undefined),
    ms,
  );
}
