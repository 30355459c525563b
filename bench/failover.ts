/**
 * Benchmark: Multi-AZ failover downtime (phase 2). RDS's reboot with failover (`env:failover --
 * database`) run N times, alternating between the nodes, while one writer creates missions through the
 * ALB as fast as they are acknowledged. Per failover: the writer's downtime (the longest time between
 * two acknowledged writes around it), the harness's own steps (primary stopped, standby promoted,
 * endpoint moved, old primary back as the synchronous standby), refused writes, and acknowledged
 * writes missing afterwards (must be 0). AWS documents a Multi-AZ instance failover as typically 60-120 s.
 *
 *   npm run bench:failover -- [failovers]   (default 5; needs a running phase-2 twin: HARNESS_ENV)
 */
import { Api } from "../harness/client/api.ts";
import { targetAgent, twinTarget } from "../harness/client/target.ts";
import { loadConfig } from "../harness/config.ts";
import { ImageResolver } from "../harness/images/image-resolver.ts";
import { failoverDatabase, type DatabaseFailover } from "../harness/twin/database-failover.ts";
import { readEnvironment } from "../harness/twin/environment.ts";
import { median, round, writeResult } from "./lib.ts";

const failovers = Number(process.argv[2] ?? 5);
const config = loadConfig();
const environment = readEnvironment(config);
if (!environment?.topology.fleet) {
  process.stderr.write("no phase-2 twin is up: npm run env:up -- --phase 2 first (HARNESS_ENV names it)\n");
  process.exit(3);
}
const target = twinTarget(environment);
const agent = targetAgent(target);
const api = new Api(target, agent);
const session = await api.register("Failover Bench");
const workspace = await api.firstWorkspace(session);
const netkit = (await new ImageResolver(config).resolve("netkit")).reference;

const acknowledged: { id: string; at: number }[] = [];
let refused = 0;
let writing = true;
const writer = (async () => {
  for (let i = 0; writing; i += 1) {
    try {
      const mission = await api.createMission(session, workspace.id, `bench write ${i}`);
      acknowledged.push({ id: mission.id, at: performance.now() });
    } catch {
      refused += 1;
    }
  }
})();
/** Resolves once `count` more writes than now are acknowledged (the writer writes again). */
const writesAgain = async (count: number) => {
  const from = acknowledged.length;
  while (acknowledged.length < from + count) await new Promise((resolve) => setTimeout(resolve, 50));
};
/** The longest time between two acknowledged writes from `from` on: how long the writer could not write. */
const longestGapFrom = (from: number) =>
  acknowledged
    .slice(Math.max(1, from))
    .reduce(
      (longest, write, index) =>
        Math.max(longest, write.at - (acknowledged[from + index - 1]?.at ?? write.at)),
      0,
    );

const runs: (DatabaseFailover["timingsMs"] & { downtimeMs: number; refused: number })[] = [];
try {
  await writesAgain(5);
  for (let run = 0; run < failovers; run += 1) {
    const from = acknowledged.length;
    const refusedBefore = refused;
    // The environment as saved: a failover keeps the containers, so the description stays true.
    const done = await failoverDatabase(readEnvironment(config) ?? environment, netkit);
    await writesAgain(5);
    runs.push({
      ...done.timingsMs,
      downtimeMs: round(longestGapFrom(from)),
      refused: refused - refusedBefore,
    });
    process.stderr.write(
      `[bench] failover ${run + 1}: ${done.from} -> ${done.to}, writer down ${round(longestGapFrom(from))} ms\n`,
    );
  }
} finally {
  writing = false;
  await writer;
}
const stored = new Set(await api.missionIds(session, workspace.id));
await agent.close();
const pick = (key: keyof (typeof runs)[number]) => runs.map((entry) => entry[key]);
const result = {
  failovers,
  writer: "POST /api/missions through the ALB, one at a time",
  downtimeMs: { median: round(median(pick("downtimeMs"))), max: round(Math.max(...pick("downtimeMs"))) },
  promotedMs: { median: round(median(pick("promoted"))), max: round(Math.max(...pick("promoted"))) },
  standbyBackMs: { median: round(median(pick("rejoined"))), max: round(Math.max(...pick("rejoined"))) },
  writesAcknowledged: acknowledged.length,
  writesRefused: refused,
  acknowledgedWritesLost: acknowledged.filter((write) => !stored.has(write.id)).length,
  awsDocumentedFailoverSeconds: "60-120 (Multi-AZ DB instance deployment, typical)",
  runs,
};
const file = await writeResult("failover", result);
process.stdout.write(`${JSON.stringify(result, null, 2)}\n${file}\n`);
