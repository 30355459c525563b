import { readFileSync } from "node:fs";

/**
 * True while the process runs. A zombie (killed, not yet reaped: a container's PID 1 that reaps nothing
 * keeps a SIGKILLed env:up as one) has exited; so has a pid that is gone.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    // No /proc (macOS): the signal's answer is all there is.
    return process.platform !== "linux";
  }
}
