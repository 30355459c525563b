import { setTimeout as delay } from "node:timers/promises";

/**
 * Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs` with `what`
 * in the message. This is a readiness wait, not a sleep: it returns as soon as the condition holds.
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(100);
  }
}
