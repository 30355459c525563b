import { GUARD_LINES } from "../containers/egress-guard.ts";
import type { EgressAttempt } from "./egress-report.ts";

interface Blocked {
  readonly at: string;
  /** "203.0.113.7:443" for TCP, "203.0.113.7:53 (udp)", "203.0.113.7 (icmp)". */
  readonly target: string;
}

/**
 * Every packet an egress guard's recorder logged (tcpdump on the guard's log group, with
 * `docker logs --timestamps`): when, and to which address, port and protocol.
 */
export function blockedPackets(log: string): Blocked[] {
  const packets: Blocked[] = [];
  for (const line of log.split("\n")) {
    const found = GUARD_LINES.refused.exec(line);
    if (!found) continue;
    const [, , address = "", port, protocol = ""] = found;
    const at = line.trim().split(" ")[0] ?? "";
    const target =
      protocol === "tcp"
        ? `${address}:${port ?? "?"}`
        : protocol === "UDP"
          ? `${address}:${port ?? "?"} (udp)`
          : `${address} (icmp)`;
    packets.push({ at, target });
  }
  return packets;
}

/** The packets one guard blocked, by destination: what `from` (the guarded instance) tried to reach. */
export function blockedAttempts(from: string, packets: readonly Blocked[]): EgressAttempt[] {
  const groups = new Map<string, string[]>();
  for (const packet of packets) groups.set(packet.target, [...(groups.get(packet.target) ?? []), packet.at]);
  return [...groups.entries()].map(([target, times]) => {
    const sorted = [...times].sort();
    return {
      from,
      target,
      outcome: "blocked",
      count: sorted.length,
      first: sorted[0] ?? "",
      last: sorted.at(-1) ?? "",
    };
  });
}
