import { describe, expect, it } from "vitest";
import { parseEstablished, parseRefused } from "./broker-connections.ts";

describe("what the broker's namespace and log say of its clients", () => {
  it("lists the clients established on the STOMP port, IPv4 and IPv4-mapped IPv6, and nothing listening or closing", () => {
    const tables = [
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
      "   0: 00000000:F0AE 00000000:0000 0A 00000000:00000000 00:00000000 00000000   101        0 1",
      "   1: 0208A8C0:F0AE 0308A8C0:8112 01 00000000:00000000 00:00000000 00000000   101        0 2",
      "   2: 0208A8C0:F0AE 0408A8C0:8113 06 00000000:00000000 00:00000000 00000000   101        0 3",
      "   3: 0208A8C0:1F90 0508A8C0:8114 01 00000000:00000000 00:00000000 00000000   101        0 4",
      "   0: 0000000000000000FFFF00000208A8C0:F0AE 0000000000000000FFFF00000408A8C0:A0B1 01 00000000:00000000 00:00000000 00000000 101 0 5",
    ].join("\n");
    expect([...parseEstablished(tables, 61614)].sort()).toEqual(["192.168.8.3", "192.168.8.4"]);
  });

  it("reads each refused CONNECT's client and reason from ActiveMQ's log", () => {
    const log = [
      "2026-12-05 01:27:42,766 WARN  Service - Security Error occurred on connection to: tcp://192.168.8.4:41154, User name [threadcast] or password is invalid.",
      "2026-12-05 01:27:43,001 INFO  TransportConnector - Connector stomp+ssl started",
    ].join("\n");
    expect(parseRefused(log)).toEqual([
      { address: "192.168.8.4", reason: "User name [threadcast] or password is invalid." },
    ]);
  });
});
