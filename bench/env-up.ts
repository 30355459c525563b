/**
 * Benchmark: warm env:up (images and fixtures present), end to end and per component, the critical-path
 * ratio (env:up wall time / the slowest single component's own time to ready), and the running twin's
 * memory per component. Medians of repeated runs; each run is a fresh environment, removed afterwards.
 * With --cold, every image of the harness (components and Debian bases) is removed first and one run
 * builds them all, as on a fresh machine (the built fixtures in the cache are kept: they are not images).
 *
 * With --keep-last, the last run's twin is HARNESS_ENV's environment and stays up: `npm run bench`
 * measures the benchmarks that need a running twin on it instead of starting one more.
 *
 *   npm run bench:env-up -- [runs] [--cold] [--keep-last]      (default 3 warm; bench:quick runs 1)
 */
import { loadConfig } from "../harness/config.ts";
import { ensureEngine } from "../harness/engine/docker-engine.ts";
import { run } from "../harness/support/run.ts";
import { COMPONENTS } from "../harness/components/registry.ts";
import {
  COMPONENT_NAMES,
  containerNameOf,
  startEnvironment,
  stopEnvironment,
} from "../harness/twin/environment.ts";
import { median, memoryMiB, round, writeResult } from "./lib.ts";

const cold = process.argv.includes("--cold");
const runs = cold ? 1 : Number(process.argv.slice(2).find((arg) => /^\d+$/.test(arg)) ?? 3);
const keepLast = process.argv.includes("--keep-last");
if (cold) {
  await ensureEngine(loadConfig());
  // Removing images under running containers would break them (other twins, the compose twin).
  const running = await run("docker", ["ps", "-q", "--filter", "label=io.threadcast.harness.owner"]);
  if (running.stdout.trim() !== "") {
    process.stderr.write(
      "[bench] --cold removes every harness image, but harness containers are running: take them down first (npm run env:down, docker ps --filter label=io.threadcast.harness.owner)\n",
    );
    process.exit(1);
  }
  const list = async () => {
    const [tagged, dangling] = await Promise.all([
      run("docker", [
        "images",
        "--format",
        "{{.Repository}}:{{.Tag}}",
        "--filter",
        "reference=threadcast-harness/*",
      ]),
      run("docker", [
        "images",
        "-q",
        "--filter",
        "dangling=true",
        "--filter",
        "label=io.threadcast.harness.recipe",
      ]),
    ]);
    return [...tagged.stdout.split("\n"), ...dangling.stdout.split("\n")].filter(
      (line) => line.trim() !== "",
    );
  };
  const images = await list();
  if (images.length > 0) await run("docker", ["rmi", "-f", ...images]);
  const left = await list();
  if (left.length > 0)
    throw new Error(`cannot remove the harness's images: ${left.join(" ")} are still there`);
  process.stderr.write(`[bench] cold: removed ${images.length} images of the harness\n`);
}
// Ctrl-C: the start-up in flight removes what it started (and the finally below takes down a finished one).
const interrupt = new AbortController();
process.on("SIGINT", () => interrupt.abort(new Error("interrupted")));
const samples: { total: number; steps: Record<string, number>; memory: Record<string, number> }[] = [];
for (let index = 0; index < runs && !interrupt.signal.aborted; index += 1) {
  const kept = keepLast && index === runs - 1;
  const config = kept ? loadConfig() : { ...loadConfig(), envName: `bench-up-${process.pid}-${index}` };
  let measured = false;
  try {
    const { environment } = await startEnvironment(config, { signal: interrupt.signal });
    const memory = await memoryMiB(
      COMPONENT_NAMES.map((instance) => containerNameOf(environment.name, instance)),
    );
    samples.push({ total: environment.timingsMs.total ?? Number.NaN, steps: environment.timingsMs, memory });
    process.stderr.write(
      `[bench] env:up run ${index + 1}/${runs}: ${round((environment.timingsMs.total ?? 0) / 1000)} s${kept ? ` (${config.envName} kept up)` : ""}\n`,
    );
    measured = true;
  } finally {
    if (!kept || !measured || interrupt.signal.aborted) await stopEnvironment(config);
  }
}

// Each component's own time to ready: its image (found or built) and every step of its own (for the
// emulator the stacks' deploy; for the app the jar; for the edge the web build, bundle and upload).
const own = (steps: Record<string, number>): Record<string, number> =>
  Object.fromEntries(
    COMPONENTS.map((component) => [
      component.kind,
      (steps[`image: ${component.image}`] ?? 0) +
        Object.entries(steps)
          .filter(([name]) => name.startsWith(`${component.kind}: `))
          .reduce((sum, [, ms]) => sum + ms, 0),
    ]),
  );
const totals = samples.map((sample) => sample.total);
const slowest = samples.map((sample) => Math.max(...Object.values(own(sample.steps))));
const stepNames = [...new Set(samples.flatMap((sample) => Object.keys(sample.steps)))].filter(
  (name) => name !== "total",
);
const result = {
  runs,
  envUpMs: { median: median(totals), samples: totals },
  slowestComponentMs: { median: median(slowest), samples: slowest },
  componentOwnMsMedian: Object.fromEntries(
    COMPONENTS.map(({ kind }) => [
      kind,
      median(samples.map((sample) => own(sample.steps)[kind] ?? Number.NaN)),
    ]),
  ),
  criticalPathRatio: {
    median: round(median(samples.map((sample, i) => sample.total / (slowest[i] as number))), 2),
    target: 1.3,
    // Below 1 means a component's own time counted a wait for another: the figure would be wrong.
    valid: samples.every((sample, i) => sample.total >= (slowest[i] as number)),
  },
  stepsMedianMs: Object.fromEntries(
    stepNames.map((name) => [name, median(samples.map((sample) => sample.steps[name] ?? 0))]),
  ),
  memoryMiB: Object.fromEntries(
    COMPONENT_NAMES.map((component) => [
      component,
      median(
        samples.map(
          (sample) =>
            Object.entries(sample.memory).find(([name]) => name.endsWith(`-${component}`))?.[1] ?? Number.NaN,
        ),
      ),
    ]),
  ),
};
if (interrupt.signal.aborted) {
  process.stderr.write("[bench] interrupted: no result written\n");
  process.exit(130);
}
if (!result.criticalPathRatio.valid) process.exitCode = 1;
const total = Object.values(result.memoryMiB).reduce((sum, value) => sum + value, 0);
const file = await writeResult(cold ? "env-up-cold" : "env-up-warm", {
  ...result,
  memoryTotalMiB: round(total),
});
process.stdout.write(`${JSON.stringify({ ...result, memoryTotalMiB: round(total) }, null, 2)}\n${file}\n`);
