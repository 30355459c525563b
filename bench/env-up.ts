/**
 * Benchmark: warm env:up (images and fixtures present), end to end and per component, the critical-path
 * ratio (env:up wall time / the slowest single component's own time to ready), and the running twin's
 * memory per component. Medians of repeated runs; each run is a fresh environment, removed afterwards.
 *
 *   npm run bench:env-up -- [runs]      (default 3; bench:quick runs 1)
 */
import { loadConfig } from "../harness/config.ts";
import { COMPONENT_NAMES, startEnvironment, stopEnvironment } from "../harness/twin/environment.ts";
import { median, memoryMiB, round, writeResult } from "./lib.ts";

const runs = Number(process.argv[2] ?? 3);
const samples: { total: number; steps: Record<string, number>; memory: Record<string, number> }[] = [];
for (let index = 0; index < runs; index += 1) {
  const config = { ...loadConfig(), envName: `bench-up-${process.pid}-${index}` };
  try {
    const { environment } = await startEnvironment(config);
    const memory = await memoryMiB(COMPONENT_NAMES.map((component) => `tc-${environment.name}-${component}`));
    samples.push({ total: environment.timingsMs.total ?? Number.NaN, steps: environment.timingsMs, memory });
    process.stderr.write(
      `[bench] env:up run ${index + 1}/${runs}: ${round((environment.timingsMs.total ?? 0) / 1000)} s\n`,
    );
  } finally {
    await stopEnvironment(config);
  }
}

// Each component's own time to ready: the steps that are that component's, alone.
const own = (steps: Record<string, number>) => ({
  emulator: (steps["emulator: LocalStack started"] ?? 0) + (steps["emulator: stacks deployed"] ?? 0),
  database: steps[`database: PostgreSQL 15 ready`] ?? 0,
  app: steps["app: Spring Boot healthy"] ?? 0,
  proxy: Object.entries(steps).find(([name]) => name.startsWith("proxy:"))?.[1] ?? 0,
  edge: Object.entries(steps).find(([name]) => name.startsWith("edge: CloudFront stand-in"))?.[1] ?? 0,
});
const totals = samples.map((sample) => sample.total);
const slowest = samples.map((sample) => Math.max(...Object.values(own(sample.steps))));
const stepNames = [...new Set(samples.flatMap((sample) => Object.keys(sample.steps)))].filter(
  (name) => name !== "total",
);
const result = {
  runs,
  envUpMs: { median: median(totals), samples: totals },
  slowestComponentMs: { median: median(slowest), samples: slowest },
  criticalPathRatio: {
    median: round(median(samples.map((sample, i) => sample.total / (slowest[i] as number))), 2),
    target: 1.3,
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
const total = Object.values(result.memoryMiB).reduce((sum, value) => sum + value, 0);
const file = await writeResult("env-up-warm", { ...result, memoryTotalMiB: round(total) });
process.stdout.write(`${JSON.stringify({ ...result, memoryTotalMiB: round(total) }, null, 2)}\n${file}\n`);
