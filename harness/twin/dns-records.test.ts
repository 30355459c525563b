import { describe, expect, it } from "vitest";
import { hostsFileOf, twinRecords } from "./dns-records.ts";

describe("the Route 53 zone as the twin's resolver answers it", () => {
  const names = {
    hosts: {
      "threadcast.io": "127.88.1.3",
      "www.threadcast.io": "127.88.1.3",
      "api.threadcast.io": "127.88.1.2",
    },
    targets: { "threadcast.io": "edge", "www.threadcast.io": "edge", "api.threadcast.io": "api" },
    via: {},
  } as const;
  const addresses = {
    resolver: { public: "172.18.0.2", private: "172.19.0.2" },
    app: "172.18.0.10",
    edge: "172.18.0.20",
  };

  it("leads each name to the fixed address of its stand-in inside the twin, not to a loopback entry point", () => {
    expect(twinRecords(names, addresses)).toEqual({
      "threadcast.io": "172.18.0.20",
      "www.threadcast.io": "172.18.0.20",
      "api.threadcast.io": "172.18.0.10",
    });
  });

  it("writes them as a hosts file in a stable order", () => {
    expect(hostsFileOf(twinRecords(names, addresses)).split("\n").slice(1)).toEqual([
      "172.18.0.10 api.threadcast.io",
      "172.18.0.20 threadcast.io",
      "172.18.0.20 www.threadcast.io",
      "",
    ]);
  });
});
