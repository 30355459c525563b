/**
 * Benchmark: leaks. Consecutive `env:up` / `env:down` cycles through the CLI, as a developer runs them,
 * then `env:up` runs interrupted by SIGINT to their whole process group (what Ctrl-C in a terminal
 * sends) at a random point of the start-up, with no `env:down` after them, then `env:up` runs killed by
 * SIGKILL at a random point (nothing of them can clean up), each followed by an `env:up` that must
 * recover and an `env:down`. After every run it counts what
 * is left of the environment: containers, networks and volumes with its label, its directory under
 * .harness/envs, its entry-point claim, and untagged images with the harness's labels that were not
 * there before.
 *
 *   npm run bench:leaks -- [cycles] [interrupted] [killed]   (default 50, 20 and 10)
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { loadConfig, REPO_ROOT } from "../harness/config.ts";
import { run } from "../harness/support/run.ts";
import { claimsOf, HARNESS_CLI, leftoversByKind } from "../harness/testing/env-cli.ts";
import { median, onInterrupt, round, writeResult } from "./lib.ts";

const cycles = Number(process.argv[2] ?? 50);
const interrupted = Number(process.argv[3] ?? 20);
const killed = Number(process.argv[4] ?? 10);
const name = `leak-${process.pid}`;
const config = { ...loadConfig(), envName: name };

const lines = (text: string) => text.split("\n").filter((line) => line.trim() !== "");
/**
 * Untagged images with the harness's labels: what an interrupted image build leaves. Tagged images are
 * the content-addressed cache (a build elsewhere on the engine may add one meanwhile; that is no leak).
 */
const imageIds = async () =>
  new Set(
    lines(
      (
        await run("docker", [
          "images",
          "-q",
          "--no-trunc",
          "--filter",
          "dangling=true",
          "--filter",
          "label=io.threadcast.harness.component",
        ])
      ).stdout,
    ),
  );
const imagesBefore = await imageIds();

interface Leftovers {
  containers: number;
  networks: number;
  volumes: number;
  stateDir: boolean;
  claims: number;
  newImages: number;
}

async function leftovers(): Promise<Leftovers> {
  const [found, images] = await Promise.all([leftoversByKind(name), imageIds()]);
  return {
    containers: found.containers.length,
    networks: found.networks.length,
    volumes: found.volumes.length,
    stateDir: existsSync(join(config.stateDir, "envs", name)),
    claims: claimsOf(name).length,
    newImages: [...images].filter((id) => !imagesBefore.has(id)).length,
  };
}

const leaked = (found: Leftovers) =>
  found.containers +
  found.networks +
  found.volumes +
  found.claims +
  found.newImages +
  (found.stateDir ? 1 : 0);

let running: ReturnType<typeof spawn> | undefined;
// Ctrl-C: the env:up in flight gets it (it cleans up after itself), then the environment is taken down.
onInterrupt(async () => {
  if (running?.pid !== undefined && running.exitCode === null) {
    const exited = new Promise((resolve) => running?.once("exit", resolve));
    process.kill(-running.pid, "SIGINT");
    await exited;
  }
  await cli(["down"]);
});

/**
 * Runs the CLI in its own process group; `interruptAfterMs` sends `signal` to the group: SIGINT, as
 * Ctrl-C does, or SIGKILL, as an out-of-memory kill does.
 */
function cli(
  args: string[],
  interruptAfterMs?: number,
  signal: NodeJS.Signals = "SIGINT",
): Promise<{ code: number | null; ms: number; tail: string }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(HARNESS_CLI.command, HARNESS_CLI.args(...args), {
      cwd: REPO_ROOT,
      env: { ...process.env, HARNESS_ENV: name },
      detached: true,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    running = child;
    child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + String(chunk)).slice(-4_000)));
    const timer =
      interruptAfterMs === undefined
        ? undefined
        : setTimeout(() => {
            if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, signal);
          }, interruptAfterMs);
    // A start-up or take-down that hangs is a failure of its own, not a reason to wait forever.
    const limit = setTimeout(() => {
      if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, "SIGKILL");
    }, 600_000);
    child.on("exit", (code) => {
      clearTimeout(limit);
      clearTimeout(timer);
      resolve({ code, ms: performance.now() - started, tail: stderr.split("\n").slice(-4).join("\n") });
    });
  });
}

const full: { upMs: number; downMs: number; leaked: number }[] = [];
const failures: string[] = [];
for (let index = 0; index < cycles; index += 1) {
  const up = await cli(["up"]);
  if (up.code !== 0) failures.push(`cycle ${index + 1}: env:up exited ${up.code}: ${up.tail}`);
  const down = await cli(["down"]);
  const found = await leftovers();
  full.push({ upMs: round(up.ms), downMs: round(down.ms), leaked: leaked(found) });
  if (leaked(found) > 0) failures.push(`cycle ${index + 1} left ${JSON.stringify(found)}`);
  process.stderr.write(
    `[bench] cycle ${index + 1}/${cycles}: up ${round(up.ms / 1000)} s, down ${round(down.ms / 1000)} s, left ${leaked(found)}\n`,
  );
}

// Interrupt anywhere in a start-up: uniformly between 0.5 s and the median full start-up (about 40 s warm).
const upMedian = full.length > 0 ? median(full.map((cycle) => cycle.upMs)) : 40_000;
const cut: { atMs: number; exitCode: number | null; completedFirst: boolean; leaked: number }[] = [];
for (let index = 0; index < interrupted; index += 1) {
  const atMs = Math.round(500 + Math.random() * (upMedian - 500));
  const up = await cli(["up"], atMs);
  const completedFirst = up.code === 0;
  // A start-up that finished before the signal is a normal environment: take it down, then count.
  if (completedFirst) await cli(["down"]);
  const found = await leftovers();
  cut.push({ atMs, exitCode: up.code, completedFirst, leaked: leaked(found) });
  if (up.code !== 0 && up.code !== 130)
    failures.push(`interrupted run ${index + 1} exited ${up.code}: ${up.tail}`);
  if (leaked(found) > 0)
    failures.push(`interrupted run ${index + 1} (at ${atMs} ms) left ${JSON.stringify(found)}`);
  process.stderr.write(
    `[bench] interrupted ${index + 1}/${interrupted} at ${round(atMs / 1000)} s: exit ${up.code}, left ${leaked(found)}\n`,
  );
}

// Killed anywhere in a start-up: the next env:up must find what it left and recover (a first start-up
// that never finished is removed and started afresh), and env:down must then leave nothing.
const killedRuns: { atMs: number; recovered: boolean; leaked: number }[] = [];
for (let index = 0; index < killed; index += 1) {
  const atMs = Math.round(500 + Math.random() * (upMedian - 500));
  await cli(["up"], atMs, "SIGKILL");
  const next = await cli(["up"]);
  if (next.code !== 0)
    failures.push(`env:up after the run killed at ${atMs} ms exited ${next.code}: ${next.tail}`);
  await cli(["down"]);
  const found = await leftovers();
  killedRuns.push({ atMs, recovered: next.code === 0, leaked: leaked(found) });
  if (leaked(found) > 0)
    failures.push(`killed run ${index + 1} (at ${atMs} ms) left ${JSON.stringify(found)}`);
  process.stderr.write(
    `[bench] killed ${index + 1}/${killed} at ${round(atMs / 1000)} s: next env:up exit ${next.code}, left ${leaked(found)}\n`,
  );
}

const result = {
  cycles,
  interrupted,
  killed,
  upMs: { median: median(full.map((cycle) => cycle.upMs)), samples: full.map((cycle) => cycle.upMs) },
  downMs: { median: median(full.map((cycle) => cycle.downMs)) },
  leftAfterCycles: full.reduce((sum, cycle) => sum + cycle.leaked, 0),
  leftAfterInterrupts: cut.reduce((sum, run) => sum + run.leaked, 0),
  interrupts: cut,
  leftAfterKilled: killedRuns.reduce((sum, run) => sum + run.leaked, 0),
  recoveredAfterKilled: killedRuns.filter((run) => run.recovered).length,
  kills: killedRuns,
  failures,
  target: { left: 0 },
};
// Runs without cycles are kept apart, so they never replace a full run's record.
const file = await writeResult(cycles === 0 ? "leaks-partial" : "leaks", result);
process.stdout.write(
  `${JSON.stringify({ ...result, interrupts: undefined, kills: undefined }, null, 2)}\n${file}\n`,
);
process.exitCode = failures.length === 0 ? 0 : 1;
