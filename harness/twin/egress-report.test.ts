import { describe, expect, it } from "vitest";
import { egressRules } from "../containers/egress-guard.ts";
import { blockedAttempts, blockedPackets } from "./blocked-packets.ts";
import { byFrequency, describeAttempt, egressAttempts, resolverMisses } from "./egress-report.ts";

const LOG = [
  "2026-12-02T22:50:01.000000001Z dnsmasq[1]: started, version 2.90 cache disabled",
  "2026-12-02T22:50:02.000000001Z dnsmasq[1]: 1 192.168.64.10/35149 query[A] api.threadcast.io from 192.168.64.10",
  "2026-12-02T22:50:02.000000002Z dnsmasq[1]: 1 192.168.64.10/35149 /etc/twin-dns/hosts.d/route53 api.threadcast.io is 192.168.64.10",
  "2026-12-02T22:50:03.000000001Z dnsmasq[1]: 2 192.168.64.10/47652 query[A] O1.Tracker.example from 192.168.64.10",
  "2026-12-02T22:50:03.000000002Z dnsmasq[1]: 2 192.168.64.10/47652 config o1.tracker.example is NXDOMAIN",
  "2026-12-02T22:50:03.000000003Z dnsmasq[1]: 3 192.168.64.10/47653 query[AAAA] o1.tracker.example from 192.168.64.10",
  "2026-12-02T22:50:03.000000004Z dnsmasq[1]: 3 192.168.64.10/47653 config o1.tracker.example is NXDOMAIN",
  "2026-12-02T22:51:00.000000001Z dnsmasq[1]: 4 192.168.64.10/40000 query[A] o1.tracker.example from 192.168.64.10",
  "2026-12-02T22:51:00.000000002Z dnsmasq[1]: 4 192.168.64.10/40000 config o1.tracker.example is NXDOMAIN",
  "2026-12-02T22:52:00.000000001Z dnsmasq[1]: 5 192.168.72.5/40001 query[A] s3.aws.twin.internal from 192.168.72.5",
  "2026-12-02T22:52:00.000000002Z dnsmasq[1]: 5 192.168.72.5/40001 config s3.aws.twin.internal is NXDOMAIN",
].join("\n");

describe("the egress report from the twin's resolver", () => {
  const whoIs = (address: string) => (address === "192.168.64.10" ? "app" : address);

  it("finds each query answered NXDOMAIN, and none the records answered", () => {
    expect(resolverMisses(LOG).map((miss) => `${miss.type} ${miss.name}`)).toEqual([
      "A o1.tracker.example",
      "AAAA o1.tracker.example",
      "A o1.tracker.example",
      "A s3.aws.twin.internal",
    ]);
  });

  it("counts lookups by who asked and for what (A and AAAA of one lookup once), most frequent first", () => {
    expect(egressAttempts(resolverMisses(LOG), whoIs)).toEqual([
      {
        from: "app",
        target: "o1.tracker.example",
        outcome: "NXDOMAIN",
        count: 2,
        first: "2026-12-02T22:50:03.000000001Z",
        last: "2026-12-02T22:51:00.000000001Z",
      },
      {
        from: "192.168.72.5",
        target: "s3.aws.twin.internal",
        outcome: "NXDOMAIN",
        count: 1,
        first: "2026-12-02T22:52:00.000000001Z",
        last: "2026-12-02T22:52:00.000000001Z",
      },
    ]);
  });

  it("says it in one line a person can read", () => {
    const [first] = egressAttempts(resolverMisses(LOG), whoIs);
    expect(first && describeAttempt(first)).toBe(
      "app looked up o1.tracker.example (NXDOMAIN: not in the twin, 2 times)",
    );
  });
});

const GUARD_LOG = [
  "2026-12-03T02:58:31.792154660Z tcpdump: verbose output suppressed, use -v[v]... for full protocol decode",
  "2026-12-03T02:58:31.792211199Z listening on nflog:8, link-type NFLOG (Linux netfilter log messages), snapshot length 262144 bytes",
  "2026-12-03T02:58:35.008011546Z 02:58:35.007362 IP 172.28.0.2.36802 > 203.0.113.7.443: tcp 0",
  "2026-12-03T02:58:35.008044826Z 02:58:35.007678 IP 172.28.0.2.54802 > 198.51.100.1.53: UDP, length 2",
  "2026-12-03T02:58:45.696012000Z 02:58:45.696012 IP 172.28.0.2.50958 > 203.0.113.7.443: tcp 0",
  "2026-12-03T02:59:00.000000000Z 02:59:00.000000 IP 172.28.0.2 > 203.0.113.9: ICMP echo request, id 1, seq 1, length 64",
].join("\n");

describe("the egress report from a guard's recorder", () => {
  it("reads each blocked packet's destination, with the port for TCP and UDP", () => {
    expect(blockedPackets(GUARD_LOG).map((packet) => packet.target)).toEqual([
      "203.0.113.7:443",
      "198.51.100.1:53 (udp)",
      "203.0.113.7:443",
      "203.0.113.9 (icmp)",
    ]);
  });

  it("counts them by destination for the instance the guard is in, and says each in a line", () => {
    const attempts = byFrequency(blockedAttempts("app", blockedPackets(GUARD_LOG)));
    expect(attempts[0]).toEqual({
      from: "app",
      target: "203.0.113.7:443",
      outcome: "blocked",
      count: 2,
      first: "2026-12-03T02:58:35.008011546Z",
      last: "2026-12-03T02:58:45.696012000Z",
    });
    expect(attempts.map(describeAttempt)).toEqual([
      "app tried to reach 203.0.113.7:443 (blocked, 2 times)",
      "app tried to reach 198.51.100.1:53 (udp) (blocked, once)",
      "app tried to reach 203.0.113.9 (icmp) (blocked, once)",
    ]);
  });
});

describe("the egress guard's rules", () => {
  const rules = egressRules(["192.168.64.0/24", "192.168.72.0/24"]).split("\n");

  it("let loopback, replies and the twin's subnets through before they log and refuse the rest", () => {
    const log = rules.findIndex((rule) => rule.includes("-j NFLOG"));
    for (const allowed of ["-o lo", "ESTABLISHED,RELATED", "-d 192.168.64.0/24", "-d 192.168.72.0/24"])
      expect(rules.findIndex((rule) => rule.includes(allowed))).toBeLessThan(log);
    expect(rules.slice(log + 1).every((rule) => /-j REJECT|-I OUTPUT/.test(rule))).toBe(true);
    expect(rules.at(-1)).toMatch(/OUTPUT -j TWIN_EGRESS/);
  });
});
