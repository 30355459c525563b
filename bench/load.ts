/**
 * Benchmark: API load. A closed-loop load from autocannon (each connection sends its next request when
 * the previous answer arrived) on mission create and list, alternating, through
 * https://api.threadcast.io (nginx, TLS) for a fixed time: throughput, latency, errors, non-2xx answers,
 * and the app container's memory against its 1 GiB limit (sampled every second during the run, and the
 * cgroup's own high-water mark since the container started).
 *
 *   npm run bench:load -- [seconds] [connections]   (default 60 and 10; needs a running twin: HARNESS_ENV)
 *
 * autocannon connects to the Elastic IP's address with SNI and Host api.threadcast.io. It switches off
 * certificate verification inside (tls.connect is called with rejectUnauthorized: false after our
 * options), so before the run the same address is checked with the environment's CA, strictly.
 */
import autocannon from "autocannon";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { loadConfig } from "../harness/config.ts";
import { run } from "../harness/support/run.ts";
import { containerNameOf, readEnvironment } from "../harness/twin/environment.ts";
import { twinHttpsGet } from "../harness/client/twin-client.ts";
import { Api } from "../harness/client/api.ts";
import { targetAgent, twinTarget } from "../harness/client/target.ts";
import { onInterrupt, round, writeResult } from "./lib.ts";

const seconds = Number(process.argv[2] ?? 60);
const connections = Number(process.argv[3] ?? 10);
const environment = readEnvironment(loadConfig());
if (!environment) {
  process.stderr.write("no twin is up: npm run env:up first (HARNESS_ENV names it)\n");
  process.exit(3);
}
const host = new URL(environment.urls.api).hostname;
const address = environment.hosts[host];
if (address === undefined) throw new Error(`the environment has no address for ${host}`);
const health = await twinHttpsGet(environment, `${environment.urls.api}/health`);
if (health.status !== 200) throw new Error(`${environment.urls.api}/health answered ${health.status}`);

const target = twinTarget(environment);
const agent = targetAgent(target);
const api = new Api(target, agent);
const session = await api.register("Load Bench");
const workspace = await api.firstWorkspace(session);
const app = containerNameOf(environment.name, "app");

/** The app container's memory (MiB, cache excluded, as docker stats counts it), once a second. */
const samples: number[] = [];
const stats = spawn("docker", ["stats", "--format", "{{.MemUsage}}", app], {
  stdio: ["ignore", "pipe", "ignore"],
});
onInterrupt(async () => stats.kill("SIGKILL"));
stats.stdout.setEncoding("utf8").on("data", (chunk: string) => {
  for (const match of chunk.matchAll(/([\d.]+)(MiB|GiB)\s*\//g)) {
    samples.push(Number(match[1]) * (match[2] === "GiB" ? 1024 : 1));
  }
});

let created = 0;
let result: autocannon.Result;
try {
  result = await autocannon({
    url: `https://${address}`,
    servername: host,
    tlsOptions: { ca: readFileSync(environment.caFile, "utf8") },
    connections,
    duration: seconds,
    timeout: 10,
    headers: {
      host,
      authorization: `Bearer ${session.accessToken}`,
      "content-type": "application/json",
      origin: environment.urls.site.replace(/\/$/, ""),
    },
    requests: [
      {
        method: "POST",
        path: "/api/missions",
        setupRequest: (request) => ({
          ...request,
          body: JSON.stringify({
            workspaceId: workspace.id,
            title: `Load ${(created += 1)}`,
            description: "made by bench:load",
            priority: "MEDIUM",
          }),
        }),
      },
      { method: "GET", path: `/api/missions?workspaceId=${workspace.id}&page=0&size=20` },
    ],
  });
} finally {
  stats.kill("SIGKILL"); // docker stats ignores SIGTERM while it streams
}
// The cgroup's own high-water mark: cgroup v2's memory.peak, else v1's max_usage_in_bytes.
const peak = await run("docker", [
  "exec",
  app,
  "sh",
  "-c",
  "cat /sys/fs/cgroup/memory.peak 2>/dev/null || cat /sys/fs/cgroup/memory/memory.max_usage_in_bytes",
]);
const limit = await run("docker", ["inspect", "--format", "{{.HostConfig.Memory}}", app]);
const stored = (await api.missionIds(session, workspace.id)).length;
await agent.close();

const out = {
  seconds,
  connections,
  mix: "POST /api/missions and GET /api/missions?page=0&size=20, alternating, closed loop",
  requests: result.requests.total,
  throughputPerSecond: round(result.requests.average),
  latencyMs: {
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
  },
  errors: result.errors,
  timeouts: result.timeouts,
  non2xx: result.non2xx,
  missionsStored: stored,
  appMemoryMiB: {
    peakDuringLoad: round(Math.max(...samples)),
    samples: samples.length,
    cgroupHighWaterMark: peak.code === 0 ? round(Number(peak.stdout.trim()) / 1024 ** 2) : null,
    limit: round(Number(limit.stdout.trim()) / 1024 ** 2),
  },
  target: { errors: 0 },
};
const file = await writeResult("api-load", out);
process.stdout.write(`${JSON.stringify(out, null, 2)}\n${file}\n`);
