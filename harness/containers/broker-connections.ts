import { run } from "../support/run.ts";

/** A connection the broker refused at STOMP's CONNECT: who, and the reason it logged. */
export interface RefusedConnection {
  readonly address: string;
  readonly reason: string;
}

/**
 * ActiveMQ's line for a CONNECT it refused (a wrong user or password), with the client's address, e.g.
 * "WARN  Service - Security Error occurred on connection to: tcp://192.168.8.4:41154, User name [...] or
 * password is invalid." (its transport says tcp:// for STOMP over TLS too).
 */
const REFUSED = /Security error occurred on connection to: [a-z+]+:\/\/\/?(\d+\.\d+\.\d+\.\d+):\d+, (.*)$/gim;

/** The connections the broker refused since its container last started, from its log. */
export async function refusedConnections(broker: string): Promise<RefusedConnection[]> {
  const started = await run("docker", ["inspect", "--format", "{{.State.StartedAt}}", broker]);
  const logs = await run("docker", ["logs", "--since", started.stdout.trim(), broker]);
  return parseRefused(`${logs.stdout}\n${logs.stderr}`);
}

/** The refusals in a broker's log text. */
export const parseRefused = (log: string): RefusedConnection[] =>
  [...log.matchAll(REFUSED)].map((match) => ({ address: match[1] ?? "", reason: (match[2] ?? "").trim() }));

/** An IPv4 address as /proc/net/tcp spells it (the last 8 hex digits, the bytes in host order). */
function procAddress(hex: string): string {
  const ipv4 = hex.slice(-8);
  return [6, 4, 2, 0].map((at) => parseInt(ipv4.slice(at, at + 2), 16)).join(".");
}

/**
 * The clients' addresses with an established TCP connection to `port` in the broker's namespace, read
 * from the kernel's tables inside it (IPv4 and IPv4-mapped IPv6: the JVM listens on both).
 */
export async function establishedClients(broker: string, port: number): Promise<Set<string>> {
  const tables = await run("docker", ["exec", broker, "cat", "/proc/net/tcp", "/proc/net/tcp6"]);
  return parseEstablished(tables.stdout, port);
}

/** The remote addresses of the established connections to local `port` in /proc/net/tcp{,6} text. */
export function parseEstablished(tables: string, port: number): Set<string> {
  const local = `:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  const clients = new Set<string>();
  for (const line of tables.split("\n")) {
    const [, localAddress = "", remoteAddress = "", state] = line.trim().split(/\s+/);
    // 01 is TCP_ESTABLISHED.
    if (state === "01" && localAddress.endsWith(local))
      clients.add(procAddress(remoteAddress.split(":")[0] ?? ""));
  }
  return clients;
}
