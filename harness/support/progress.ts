/** Progress lines on stderr, so stdout stays clean for machine-readable output. */
export function say(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** A line of a command's own output (stdout), as opposed to its progress (stderr). */
export function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

export function formatMs(ms: number): string {
  return ms < 1_000 ? `${Math.round(ms)} ms` : `${(ms / 1_000).toFixed(1)} s`;
}

/** Runs `work`, then prints `[component] what (took X)`; failures propagate unchanged. */
export async function timed<T>(component: string, what: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  say(`[${component}] ${what} ...`);
  const result = await work();
  say(`[${component}] ${what}: done in ${formatMs(performance.now() - started)}`);
  return result;
}
