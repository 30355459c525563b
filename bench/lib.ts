import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import * as prettier from "prettier";
import { REPO_ROOT } from "../harness/config.ts";
import { run } from "../harness/support/run.ts";

/** The p-th percentile (0-100) of samples, by nearest rank. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export const median = (samples: readonly number[]) => percentile(samples, 50);

/** The p50 and p99 of samples in milliseconds, to the microsecond. */
export const p50p99 = (samples: readonly number[]) => ({
  p50: round(percentile(samples, 50), 3),
  p99: round(percentile(samples, 99), 3),
});

export const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Where results go: bench/results/ (committed), or BENCH_RESULTS_DIR (bench:quick writes under reports/). */
export const resultsDir = () => resolve(process.env.BENCH_RESULTS_DIR ?? join(REPO_ROOT, "bench", "results"));

/** Writes a benchmark's result as <results>/<name>.json, with when and where it was measured. */
export async function writeResult(name: string, result: Record<string, unknown>): Promise<string> {
  const cpus = (await run("nproc", [])).stdout.trim();
  const dir = resultsDir();
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  const text = JSON.stringify({
    benchmark: name,
    measuredAt: new Date().toISOString(),
    machine: { cpus: Number(cpus) },
    ...result,
  });
  // Formatted as the repo formats (format:check runs over the committed results).
  const options = (await prettier.resolveConfig(file)) ?? {};
  writeFileSync(file, await prettier.format(text, { ...options, filepath: file }));
  return file;
}

/** Memory of running containers (MiB), by container name, from one `docker stats` sample. */
export async function memoryMiB(containers: readonly string[]): Promise<Record<string, number>> {
  const stats = await run("docker", [
    "stats",
    "--no-stream",
    "--format",
    "{{.Name}}\t{{.MemUsage}}",
    ...containers,
  ]);
  const units: Record<string, number> = { B: 1 / 1024 ** 2, KiB: 1 / 1024, MiB: 1, GiB: 1024 };
  return Object.fromEntries(
    stats.stdout
      .split("\n")
      .filter((line) => line.includes("\t"))
      .map((line) => {
        const [name, usage] = line.split("\t");
        const match = (usage ?? "").match(/^([\d.]+)(B|KiB|MiB|GiB)/);
        return [name ?? "", match ? round(Number(match[1]) * (units[match[2] as string] ?? 1)) : Number.NaN];
      }),
  );
}

/**
 * Ctrl-C (or SIGINT from `npm run bench`) runs `cleanup` once, then exits 130: a benchmark never leaves
 * its containers behind. A second SIGINT while cleaning up is ignored.
 */
export function onInterrupt(cleanup: () => Promise<unknown>): void {
  let cleaning = false;
  process.on("SIGINT", () => {
    if (cleaning) return;
    cleaning = true;
    process.stderr.write("[bench] interrupted: cleaning up\n");
    // Twice: work in flight (a container being created) may add something after the first listing.
    void cleanup()
      .then(() => new Promise((resolve) => setTimeout(resolve, 2_000)))
      .then(cleanup)
      .catch((error: unknown) => process.stderr.write(`[bench] cleanup failed: ${String(error)}\n`))
      .finally(() => process.exit(130));
  });
}
