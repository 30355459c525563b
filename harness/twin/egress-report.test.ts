import { describe, expect, it } from "vitest";
import { describeAttempt, egressAttempts, resolverMisses } from "./egress-report.ts";

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
