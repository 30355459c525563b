/**
 * Runs every benchmark, one after another (they would disturb each other side by side), and writes the
 * README's table from their results.
 *
 *   npm run bench          the full set: results in bench/results/ (committed), the table in README.md
 *   npm run bench:table    only the README's table, from the results in bench/results/
 *   npm run bench:quick    every benchmark with small figures, to keep them working (run by .ci/run):
 *                          results and the table in reports/bench-quick/, nothing committed is changed
 *
 * Benchmarks that need a running twin share one, started here as environment "bench-<pid>" and taken
 * down at the end (also when a benchmark fails or on Ctrl-C); phase 2's share a phase-2 twin
 * ("bench2-<pid>"), started once phase 1's is down.
 */
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig, REPO_ROOT } from "../harness/config.ts";
import { startEnvironment, stopEnvironment } from "../harness/twin/environment.ts";
import { renderTable, updateReadme } from "./table.ts";

const quick = process.argv.includes("--quick");
const resultsDir = quick ? join(REPO_ROOT, "reports", "bench-quick") : join(REPO_ROOT, "bench", "results");
mkdirSync(resultsDir, { recursive: true });

interface Bench {
  readonly script: string;
  readonly args: readonly string[];
  /** Runs against the shared twin (of phase 1, or of phase 2 when `phase` says so). */
  readonly twin?: boolean;
  readonly phase?: 2;
  /** Starts the shared twin itself and leaves it up (env-up's --keep-last): the next benchmarks use it. */
  readonly startsTwin?: boolean;
}

// Full figures are the issue's: 500 subscribers, 60 s of load, 50 + 20 leak runs; quick ones only prove
// each benchmark still works end to end.
const benches: Bench[] = quick
  ? [
      { script: "db-reset", args: ["2"] },
      { script: "env-up", args: ["1", "--keep-last"], twin: true, startsTwin: true },
      { script: "footprint", args: [], twin: true },
      { script: "proxy-cost", args: ["100"], twin: true },
      { script: "fanout", args: ["50", "1"], twin: true },
      { script: "load", args: ["5", "4"], twin: true },
      // No killed run here: the drills kill env:up at random points and check the next one recovers.
      { script: "leaks", args: ["1", "1", "0"] },
      { script: "alb-cost", args: ["100"], twin: true, phase: 2 },
      { script: "fanout", args: ["30", "1"], twin: true, phase: 2 },
      { script: "footprint", args: [], twin: true, phase: 2 },
      { script: "failover", args: ["1"], twin: true, phase: 2 },
    ]
  : [
      { script: "env-up", args: ["--cold"] },
      { script: "env-up", args: ["3", "--keep-last"], twin: true, startsTwin: true },
      { script: "footprint", args: [], twin: true },
      { script: "proxy-cost", args: ["1000"], twin: true },
      { script: "fanout", args: ["500", "5"], twin: true },
      { script: "load", args: ["60", "10"], twin: true },
      { script: "anchors", args: ["3"] },
      { script: "leaks", args: ["50", "20", "10"] },
      { script: "db-reset", args: ["5"] },
      { script: "alb-cost", args: ["1000"], twin: true, phase: 2 },
      // 250: below Amazon MQ's 300 connections of a micro broker (the relay holds one per subscriber).
      { script: "fanout", args: ["250", "5"], twin: true, phase: 2 },
      { script: "footprint", args: [], twin: true, phase: 2 },
      { script: "failover", args: ["5"], twin: true, phase: 2 },
    ];

// --table: only rewrite the README's table from the committed results.
if (process.argv.includes("--table")) {
  await updateReadme(renderTable(resultsDir));
  process.exit(0);
}

const only = process.argv
  .find((arg) => arg.startsWith("--only="))
  ?.slice("--only=".length)
  .split(",");
const selected = only ? benches.filter((bench) => only.includes(bench.script)) : benches;
const twinConfigs = {
  1: { ...loadConfig(), envName: `bench-${process.pid}` },
  2: { ...loadConfig(), envName: `bench2-${process.pid}`, phase: 2 as const },
};
/** The phase of the shared twin that is up now, if one is. */
let twinUp: 1 | 2 | undefined;

let current: ReturnType<typeof spawn> | undefined;

function runBench(bench: Bench): Promise<number | null> {
  process.stderr.write(`\n=== bench ${bench.script} ${bench.args.join(" ")}\n`);
  return new Promise((resolve) => {
    const child = spawn(
      join(REPO_ROOT, "node_modules", ".bin", "tsx"),
      [join("bench", `${bench.script}.ts`), ...bench.args],
      {
        cwd: REPO_ROOT,
        stdio: ["ignore", "inherit", "inherit"],
        env: {
          ...process.env,
          BENCH_RESULTS_DIR: resultsDir,
          ...(bench.twin ? { HARNESS_ENV: twinConfigs[bench.phase ?? 1].envName } : {}),
        },
      },
    );
    current = child;
    child.on("exit", (code) => {
      current = undefined;
      resolve(code);
    });
  });
}

const stop = new AbortController();
// Ctrl-C: the running benchmark gets it too (it cleans up after itself), then the shared twin goes.
process.on("SIGINT", () => {
  stop.abort(new Error("interrupted"));
  current?.kill("SIGINT");
});
const failed: string[] = [];
let ran = 0;
const started = performance.now();
try {
  for (const bench of selected) {
    if (stop.signal.aborted) break;
    const wanted = bench.twin ? (bench.phase ?? 1) : undefined;
    // One twin at a time: two would disturb each other's figures (and share two cores).
    if (twinUp !== undefined && twinUp !== wanted) {
      await stopEnvironment(twinConfigs[twinUp]);
      twinUp = undefined;
    }
    if (wanted !== undefined && twinUp === undefined && !bench.startsTwin) {
      await startEnvironment(twinConfigs[wanted], { signal: stop.signal });
      twinUp = wanted;
    }
    const code = await runBench(bench);
    // Up or not (a failed run removes its own), the shared twin is taken down at the end.
    if (bench.startsTwin) twinUp = 1;
    ran += 1;
    if (code !== 0) failed.push(`${bench.script} ${bench.args.join(" ")} (exit ${code})`);
  }
} finally {
  if (twinUp !== undefined) await stopEnvironment(twinConfigs[twinUp]);
}
const table = renderTable(resultsDir);
if (quick) writeFileSync(join(resultsDir, "table.md"), table);
// The README's table changes only after a run in which every benchmark ran and passed.
else if (failed.length === 0 && !stop.signal.aborted) await updateReadme(table);
else process.stderr.write("README.md's table left as it was (a benchmark failed or was interrupted)\n");
process.stderr.write(
  `\n${table}\nbench${quick ? ":quick" : ""}: ${ran - failed.length} of ${selected.length} benchmarks ran and passed${stop.signal.aborted ? " (interrupted)" : ""}, in ${Math.round((performance.now() - started) / 1000)} s${failed.length > 0 ? `; failed: ${failed.join(", ")}` : ""}\n`,
);
process.exitCode = failed.length > 0 || stop.signal.aborted ? 1 : 0;
