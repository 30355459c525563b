import { formatMs } from "../support/progress.ts";

/** AWS's seconds on the group's clock: divided by HARNESS_TIME_SCALE, and said so when they are. */
export function scaledSeconds(seconds: number, timeScale: number): { ms: number; said: string } {
  const ms = Math.round((seconds * 1000) / timeScale);
  return {
    ms,
    said:
      timeScale === 1 ? `${seconds} s` : `${seconds} s (${formatMs(ms)} at HARNESS_TIME_SCALE=${timeScale})`,
  };
}
