/**
 * The README's benchmark table, rendered from the result files: one row per figure, with its target and
 * whether it is met. A result that is missing shows as "not measured", never as a number.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as prettier from "prettier";
import { REPO_ROOT } from "../harness/config.ts";
import { PHASE_2_ROWS } from "./table-phase-2.ts";
import { at, num, s, type Json, type Row } from "./table-values.ts";

const BEGIN = "<!-- bench:begin (npm run bench writes this table) -->";
const END = "<!-- bench:end -->";

const ROWS: Row[] = [
  {
    figure: "env:up cold (no images)",
    file: "env-up-cold",
    value: (r) => `${s(at(r, "envUpMs.median"))}; slowest component ${s(at(r, "slowestComponentMs.median"))}`,
    target: "",
  },
  {
    figure: "env:up cold: critical-path ratio",
    file: "env-up-cold",
    value: (r) => String(at(r, "criticalPathRatio.median")),
    target: "<= 1.3",
    met: (r) => num(at(r, "criticalPathRatio.median")) >= 1 && num(at(r, "criticalPathRatio.median")) <= 1.3,
  },
  {
    figure: "env:up warm (images present), median",
    file: "env-up-warm",
    value: (r) =>
      `${s(at(r, "envUpMs.median"))} (${num(at(r, "runs"))} runs); slowest component ${s(at(r, "slowestComponentMs.median"))}`,
    target: "",
  },
  {
    figure: "env:up warm: critical-path ratio",
    file: "env-up-warm",
    value: (r) => String(at(r, "criticalPathRatio.median")),
    target: "<= 1.3",
    met: (r) => num(at(r, "criticalPathRatio.median")) >= 1 && num(at(r, "criticalPathRatio.median")) <= 1.3,
  },
  {
    figure: "database reset vs container restart (template clone / truncate + reseed / truncate to empty)",
    file: "db-reset",
    value: (r) =>
      `${num(at(r, "medianMs.templateClone"))} / ${num(at(r, "medianMs.truncateReseed"))} / ${num(at(r, "medianMs.truncateEmpty"))} ms vs ${num(at(r, "medianMs.containerRestart"))} ms (a restart resets nothing; a recreate is ${num(at(r, "medianMs.containerRecreate"))} ms): ${num(at(r, "speedupVsRestart.templateClone"))}x / ${num(at(r, "speedupVsRestart.truncateReseed"))}x / ${num(at(r, "speedupVsRestart.truncateEmpty"))}x`,
    target: ">= 20x",
    // Only resets that bring back the seeded state count; truncate-to-empty is a different known state.
    met: (r) =>
      (at(r, "problems") as unknown[] | undefined)?.length === 0 &&
      Math.max(num(at(r, "speedupVsRestart.templateClone")), num(at(r, "speedupVsRestart.truncateReseed"))) >=
        20,
  },
  {
    figure: "proxy cost: p50 / p99 through nginx vs direct",
    file: "proxy-cost",
    value: (r) =>
      `${num(at(r, "throughProxyMs.p50"))} / ${num(at(r, "throughProxyMs.p99"))} ms vs ${num(at(r, "directMs.p50"))} / ${num(at(r, "directMs.p99"))} ms; p50 ratio ${num(at(r, "p50Ratio.value"))}`,
    target: "p50 ratio <= 1.3",
    met: (r) => num(at(r, "p50Ratio.value")) <= 1.3,
  },
  {
    figure: "WebSocket fan-out: delivery p50 / p99 / max",
    file: "fanout",
    value: (r) =>
      `${num(at(r, "subscribers"))} subscribers: ${num(at(r, "deliveryMs.p50"))} / ${num(at(r, "deliveryMs.p99"))} / ${num(at(r, "deliveryMs.max"))} ms`,
    target: "p99 <= 250 ms",
    met: (r) => num(at(r, "deliveryMs.p99")) <= 250,
  },
  {
    figure: "WebSocket fan-out: events lost",
    file: "fanout",
    value: (r) => `${num(at(r, "lostTotal"))} (connect failures ${num(at(r, "connectFailures"))})`,
    target: "0",
    met: (r) => num(at(r, "lostTotal")) === 0,
  },
  {
    figure: "API load: throughput, p50 / p99",
    file: "api-load",
    value: (r) =>
      `${num(at(r, "throughputPerSecond"))} req/s over ${num(at(r, "seconds"))} s, ${num(at(r, "connections"))} connections; ${num(at(r, "latencyMs.p50"))} / ${num(at(r, "latencyMs.p99"))} ms`,
    target: "",
  },
  {
    figure: "API load: errors (errors + timeouts + non-2xx)",
    file: "api-load",
    value: (r) => String(num(at(r, "errors")) + num(at(r, "timeouts")) + num(at(r, "non2xx"))),
    target: "0",
    met: (r) => num(at(r, "errors")) + num(at(r, "timeouts")) + num(at(r, "non2xx")) === 0,
  },
  {
    figure: "API load: app peak memory",
    file: "api-load",
    value: (r) =>
      `${num(at(r, "appMemoryMiB.peakDuringLoad"))} MiB (cgroup high-water ${num(at(r, "appMemoryMiB.cgroupHighWaterMark"))} MiB)`,
    target: "< 1024 MiB limit",
    met: (r) => {
      const sampled = num(at(r, "appMemoryMiB.peakDuringLoad"));
      const highWater = num(at(r, "appMemoryMiB.cgroupHighWaterMark"));
      const peak = Number.isFinite(highWater) ? Math.max(sampled, highWater) : sampled;
      return peak < num(at(r, "appMemoryMiB.limit"));
    },
  },
  {
    figure: "footprint: running twin memory",
    file: "footprint",
    value: (r) => {
      const components = at(r, "components") as Record<string, { memoryMiB: number }>;
      const parts = Object.entries(components).map(([name, entry]) => `${name} ${entry.memoryMiB}`);
      return `${num(at(r, "memoryTotalMiB"))} MiB (${parts.join(", ")})`;
    },
    target: "",
  },
  {
    figure: "footprint: images",
    file: "footprint",
    value: (r) => {
      const components = at(r, "components") as Record<string, { imageMiB: number }>;
      const parts = Object.entries(components).map(([name, entry]) => `${name} ${entry.imageMiB}`);
      return `${num(at(r, "imagesTotalMiB"))} MiB (${parts.join(", ")})`;
    },
    target: "",
  },
  {
    figure: "leaks: up/down cycles, interrupted runs, killed runs then env:up",
    file: "leaks",
    value: (r) =>
      `${num(at(r, "cycles"))} cycles left ${num(at(r, "leftAfterCycles"))}; ${num(at(r, "interrupted"))} interrupted left ${num(at(r, "leftAfterInterrupts"))}` +
      (at(r, "killed") === undefined
        ? "; killed runs not measured"
        : `; ${num(at(r, "killed"))} killed: ${num(at(r, "recoveredAfterKilled"))} recovered by the next env:up, left ${num(at(r, "leftAfterKilled"))}`),
    target: "0",
    met: (r) =>
      num(at(r, "leftAfterCycles")) +
        num(at(r, "leftAfterInterrupts")) +
        num(at(r, "leftAfterKilled") ?? 0) ===
        0 &&
      num(at(r, "recoveredAfterKilled")) === num(at(r, "killed")) &&
      (at(r, "failures") as unknown[] | undefined)?.length === 0,
  },
  {
    figure: "emulator anchor: start / idle memory / CDK deploy",
    file: "anchors",
    value: (r) =>
      ["localstack", "moto"]
        .map((name) => {
          const stacks = (at(r, `${name}.deploy.stacks`) ?? {}) as Record<string, { status: string }>;
          const statuses = Object.entries(stacks).map(([stack, outcome]) => `${stack} ${outcome.status}`);
          const complete =
            statuses.length > 0 && Object.values(stacks).every((o) => o.status === "CREATE_COMPLETE");
          const deploy = complete
            ? s(at(r, `${name}.deploy.totalMs`))
            : `no complete deploy (${statuses.join(", ")})`;
          return `${name}: ${s(at(r, `${name}.readyMs.median`))} / ${num(at(r, `${name}.idleMemoryMiB.median`))} MiB / ${deploy}`;
        })
        .join("; "),
    target: "",
  },
];

export function renderTable(dir: string): string {
  const read = (file: string): Json | undefined => {
    const path = join(dir, `${file}.json`);
    return existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as Json) : undefined;
  };
  const lines = ["| Figure | Measured | Target | Met |", "| --- | --- | --- | --- |"];
  for (const row of [...ROWS, ...PHASE_2_ROWS]) {
    const result = read(row.file);
    if (!result) {
      lines.push(`| ${row.figure} | not measured | ${row.target || "-"} | - |`);
      continue;
    }
    const met = row.met ? (row.met(result) ? "yes" : "**no**") : "-";
    lines.push(`| ${row.figure} | ${row.value(result)} | ${row.target || "-"} | ${met} |`);
  }
  return `${lines.join("\n")}\n`;
}

/** Replaces the table between the README's markers (they must be there), formatted as the repo formats. */
export async function updateReadme(table: string): Promise<void> {
  const file = join(REPO_ROOT, "README.md");
  const readme = readFileSync(file, "utf8");
  const begin = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (begin < 0 || end < begin) throw new Error(`README.md lacks the markers ${BEGIN} ... ${END}`);
  const updated = `${readme.slice(0, begin + BEGIN.length)}\n\n${table}\n${readme.slice(end)}`;
  const options = (await prettier.resolveConfig(file)) ?? {};
  writeFileSync(file, await prettier.format(updated, { ...options, filepath: file }));
}
