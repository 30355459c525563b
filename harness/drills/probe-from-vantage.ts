import { loadConfig } from "../config.ts";
import { ImageResolver } from "../images/image-resolver.ts";
import { LABEL_OWNER } from "../support/cleanup.ts";
import { run } from "../support/run.ts";

/** What a TCP connection attempt met: a listener, a refusal, silence, no such name, or no route. */
export type ProbeResult = "open" | "refused" | "timeout" | "unresolved" | "unreachable";

const PROBE = `
const net = require("net");
const targets = JSON.parse(process.argv[1]);
Promise.all(targets.map(([host, port]) => new Promise((resolve) => {
  const socket = net.connect({ host, port, timeout: 3000 });
  const done = (result) => { socket.destroy(); resolve(result); };
  socket.on("connect", () => done("open"));
  socket.on("timeout", () => done("timeout"));
  socket.on("error", (error) => done(
    error.code === "ECONNREFUSED" ? "refused"
    : error.code === "ENOTFOUND" || error.code === "EAI_AGAIN" ? "unresolved"
    : error.code === "EHOSTUNREACH" || error.code === "ENETUNREACH" ? "unreachable"
    : "error:" + error.code));
}))).then((results) => console.log(JSON.stringify({
  addresses: Object.values(require("os").networkInterfaces()).flat().filter((i) => i.family === "IPv4" && !i.internal).map((i) => i.address),
  results,
})));
`;

/**
 * Tries TCP connections from a throw-away container (a vantage point) on one of the twin's networks,
 * or inside a twin container's network namespace (`container:<id>`), labelled with the environment's
 * owner. Only the twin's own networks and containers are probed. Returns the results and the vantage
 * point's own addresses.
 */
export async function probeFromVantage(
  network: string,
  owner: string,
  targets: readonly (readonly [string, number])[],
  ip?: string,
): Promise<{ addresses: string[]; results: ProbeResult[] }> {
  const image = await new ImageResolver(loadConfig()).resolve("edge");
  const result = await run("docker", [
    "run",
    "--rm",
    "--network",
    network,
    ...(ip ? ["--ip", ip] : []),
    "--label",
    `${LABEL_OWNER}=${owner}`,
    image.reference,
    "node",
    "-e",
    PROBE,
    JSON.stringify(targets),
  ]);
  if (result.code !== 0) throw new Error(`the vantage point on ${network} failed: ${result.stderr.trim()}`);
  return JSON.parse(result.stdout.trim().split("\n").at(-1) ?? "{}") as {
    addresses: string[];
    results: ProbeResult[];
  };
}

/** The results only: see {@link probeFromVantage}. */
export async function probeFrom(
  network: string,
  owner: string,
  targets: readonly (readonly [string, number])[],
): Promise<ProbeResult[]> {
  return (await probeFromVantage(network, owner, targets)).results;
}
