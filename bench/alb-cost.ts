/**
 * Benchmark: the application load balancer's cost (phase 2). The same request, alternately through the
 * ALB (HAProxy: https://api.threadcast.io, TLS ended at the load balancer, forwarded to an instance's
 * 8080) and straight to one instance's 8080, both from one vantage point inside the load balancer's
 * network namespace (the instances admit 8080 from the load balancer's security group only), so the
 * difference is the load balancer alone: p50 and p99 of each, and their ratios.
 *
 *   npm run bench:alb -- [requests]   (default 1000 each; needs a running phase-2 twin: HARNESS_ENV)
 */
import { loadConfig } from "../harness/config.ts";
import { addressOn } from "../harness/drills/address-on.ts";
import { nodeInNamespaceOf } from "../harness/drills/node-in-namespace.ts";
import { readEnvironment } from "../harness/twin/environment.ts";
import { p50p99, percentile, round, writeResult } from "./lib.ts";

const count = Number(process.argv[2] ?? 1000);
const environment = readEnvironment(loadConfig());
if (!environment?.topology.loadBalancer) {
  process.stderr.write("no phase-2 twin is up: npm run env:up -- --phase 2 first (HARNESS_ENV names it)\n");
  process.exit(3);
}

// Runs in the vantage container: HTTP/1.1 keep-alive on both paths, one connection each, sequential,
// alternating so drift hits both alike, after 50 warm-up rounds (TLS session, JIT).
const SAMPLER = `
const http = require("http");
const https = require("https");
const fs = require("fs");
const input = JSON.parse(fs.readFileSync(0, "utf8"));
const viaAlb = new https.Agent({ keepAlive: true, maxSockets: 1, ca: fs.readFileSync("/ca.pem"), servername: input.apiName });
const direct = new http.Agent({ keepAlive: true, maxSockets: 1 });
const once = (client, options) => new Promise((resolve, reject) => {
  const started = process.hrtime.bigint();
  client.get(options, (answer) => {
    answer.resume();
    answer.on("end", () => answer.statusCode === 200
      ? resolve(Number(process.hrtime.bigint() - started) / 1e6)
      : reject(new Error(options.host + " answered " + answer.statusCode)));
  }).on("error", reject);
});
const albRequest = { host: "127.0.0.1", port: input.httpsPort, path: "/api/health", agent: viaAlb, headers: { host: input.apiName } };
const directRequest = { host: input.instance, port: 8080, path: "/api/health", agent: direct };
(async () => {
  for (let i = 0; i < 50; i += 1) { await once(https, albRequest); await once(http, directRequest); }
  const alb = [], straight = [];
  for (let i = 0; i < input.count; i += 1) { alb.push(await once(https, albRequest)); straight.push(await once(http, directRequest)); }
  console.log(JSON.stringify({ alb, straight }));
})().catch((error) => { console.error(error.message); process.exit(2); });
`;

const balancer = environment.topology.loadBalancer;
const instance = await addressOn(environment.containers["app-1"] ?? "", environment.networks.public);
const sampled = await nodeInNamespaceOf(environment, environment.containers.alb ?? "", SAMPLER, {
  count,
  apiName: new URL(environment.urls.api).hostname,
  httpsPort: balancer.https.port,
  instance,
}).catch((error: Error) => {
  process.stderr.write(`the vantage point failed: ${error.message}\n`);
  process.exit(1);
});
const { alb, straight } = JSON.parse(sampled) as { alb: number[]; straight: number[] };
const result = {
  requests: count,
  request: "GET /api/health, HTTP/1.1 keep-alive, sequential, from inside the load balancer's namespace",
  throughAlbMs: p50p99(alb),
  directMs: p50p99(straight),
  p50Ratio: { value: round(percentile(alb, 50) / percentile(straight, 50), 2) },
  p99Ratio: round(percentile(alb, 99) / percentile(straight, 99), 2),
};
const file = await writeResult("alb-cost", result);
process.stdout.write(`${JSON.stringify(result, null, 2)}\n${file}\n`);
