/**
 * Benchmark: the TLS proxy's cost. The same request, alternately through https://api.threadcast.io (nginx,
 * TLS) and straight to the app's 8080 on the instance's address (both from this machine, so both cross
 * the same published-port path), side by side in one run: p50 and p99 of each, and the p50 ratio.
 *
 *   npm run bench:proxy -- [requests]   (default 1000 each; needs a running twin: HARNESS_ENV, default "twin")
 */
import { readFileSync } from "node:fs";
import { Agent, request } from "undici";
import { loadConfig } from "../harness/config.ts";
import { readEnvironment } from "../harness/twin/environment.ts";
import { twinLookup } from "../harness/client/twin-client.ts";
import { p50p99, percentile, round, writeResult } from "./lib.ts";

const count = Number(process.argv[2] ?? 1000);
const environment = readEnvironment(loadConfig());
if (!environment) {
  process.stderr.write("no twin is up: npm run env:up first (HARNESS_ENV names it)\n");
  process.exit(3);
}
// HTTP/1.1 keep-alive on both paths, so the difference is the proxy (TLS + nginx), not the protocol.
const viaProxy = new Agent({
  connections: 1,
  allowH2: false,
  connect: { lookup: twinLookup(environment), ca: readFileSync(environment.caFile, "utf8") },
});
const direct = new Agent({ connections: 1 });
const proxyUrl = `${environment.urls.api}/health`;
const directUrl = `http://${environment.entryPoints.api.address}:8080/api/health`;
const once = async (url: string, dispatcher: Agent) => {
  const started = performance.now();
  const answer = await request(url, { dispatcher });
  await answer.body.text();
  if (answer.statusCode !== 200) throw new Error(`${url} answered ${answer.statusCode}`);
  return performance.now() - started;
};
// Warm both paths (TLS session, keep-alive connections, JIT), then alternate so drift hits both alike.
for (let i = 0; i < 50; i += 1) await Promise.all([once(proxyUrl, viaProxy), once(directUrl, direct)]);
const proxied: number[] = [];
const straight: number[] = [];
for (let i = 0; i < count; i += 1) {
  proxied.push(await once(proxyUrl, viaProxy));
  straight.push(await once(directUrl, direct));
}
await Promise.all([viaProxy.close(), direct.close()]);
const result = {
  requests: count,
  request: "GET /api/health, HTTP/1.1 keep-alive, sequential",
  throughProxyMs: p50p99(proxied),
  directMs: p50p99(straight),
  p50Ratio: { value: round(percentile(proxied, 50) / percentile(straight, 50), 2), target: 1.3 },
};
const file = await writeResult("proxy-cost", result);
process.stdout.write(`${JSON.stringify(result, null, 2)}\n${file}\n`);
