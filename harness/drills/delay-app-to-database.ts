import { loadConfig } from "../config.ts";
import { ImageResolver } from "../images/image-resolver.ts";
import { LABEL_OWNER } from "../support/cleanup.ts";
import { run } from "../support/run.ts";
import type { Environment } from "../twin/environment.ts";
import { addressOn } from "./address-on.ts";
import { inNetworkNamespaceOf } from "./in-network-namespace-of.ts";
import { psql } from "./psql.ts";
import { containerNameOf } from "../twin/identity.ts";

/** A TCP proxy that forwards to host:port, holding every chunk `delay` ms in each direction (order kept). */
const DELAY_PROXY = `
const net = require("net");
const [host, port, delay] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
const later = (from, to) => from.on("data", (chunk) => setTimeout(() => to.write(chunk), delay))
  .on("end", () => setTimeout(() => to.end(), delay)).on("error", () => to.destroy());
net.createServer((client) => {
  const upstream = net.connect(port, host);
  later(client, upstream);
  later(upstream, client);
}).listen(port, "0.0.0.0", () => console.log("delaying " + delay + " ms to " + host + ":" + port));
`;

/**
 * Adds `ms` of latency each way between the app and the database: a delaying TCP proxy on the private
 * network, and a DNAT rule in the app's namespace sending its database connections there (the kernel
 * here has no netem, so tc cannot do it). The database ends its current sessions so the app's pool
 * reconnects through the proxy. Returns the function that takes it all away again.
 */
export async function delayAppToDatabase(environment: Environment, ms: number): Promise<() => Promise<void>> {
  const database = await addressOn(environment.containers.database, environment.networks.private);
  const image = await new ImageResolver(loadConfig()).resolve("edge");
  const name = containerNameOf(environment.name, "latency");
  const started = await run("docker", [
    "run",
    "-d",
    "--name",
    name,
    "--network",
    environment.networks.private,
    "--label",
    `${LABEL_OWNER}=${environment.owner}`,
    image.reference,
    "node",
    "-e",
    DELAY_PROXY,
    database,
    "5432",
    String(ms),
  ]);
  if (started.code !== 0) throw new Error(`cannot start the latency proxy: ${started.stderr.trim()}`);
  const proxy = await addressOn(name, environment.networks.private);
  const rule = `-p tcp -d ${database} --dport 5432 -j DNAT --to-destination ${proxy}:5432`;
  // The proxy is the network between the two, not a new member of the database's security group: the
  // database's firewall lets it through for as long as the fault lasts.
  const pass = `TWIN-SG -p tcp -s ${proxy}/32 --dport 5432 -j ACCEPT`;
  await inNetworkNamespaceOf(environment, environment.containers.database, `iptables -I ${pass}`);
  const endSessions = () =>
    psql(
      environment,
      `select count(pg_terminate_backend(pid)) from pg_stat_activity where usename = current_user and pid <> pg_backend_pid()`,
    );
  await inNetworkNamespaceOf(environment, environment.containers.app, `iptables -t nat -A OUTPUT ${rule}`);
  await endSessions();
  return async () => {
    await inNetworkNamespaceOf(environment, environment.containers.app, `iptables -t nat -D OUTPUT ${rule}`);
    await run("docker", ["rm", "-f", name]);
    await inNetworkNamespaceOf(environment, environment.containers.database, `iptables -D ${pass}`);
    await endSessions();
  };
}
