import { describe, expect, it } from "vitest";
import { synth } from "../../infra/test/synth.ts";
import { deriveLoadBalancer } from "../twin/load-balancer-topology.ts";
import { loadBalancerConfig, statusExpectation } from "./load-balancer-config.ts";
import { statusMatches } from "./load-balancer-targets.ts";

describe("statusExpectation", () => {
  it("checks one code as a status, a list or a range as an anchored pattern", () => {
    expect(statusExpectation("200")).toBe("status 200");
    expect(statusExpectation("200,302")).toBe("rstatus ^(200|302)$");
    expect(statusExpectation("200-202")).toBe("rstatus ^(200|201|202)$");
  });

  it("refuses a matcher that is not HTTP codes", () => {
    expect(() => statusExpectation("2xx")).toThrow(/matcher 2xx is not HTTP codes/);
  });
});

describe("loadBalancerConfig from the phase-2 template", () => {
  const balancer = deriveLoadBalancer(synth(2).backendTemplate.toJSON().Resources);
  const config = loadBalancerConfig(balancer, { count: 8, cookieKey: "k3y" });

  it("makes every timeout the load balancer's idle timeout, the target connection ELB's 10 s", () => {
    for (const timeout of ["client", "server", "http-request", "http-keep-alive", "tunnel"])
      expect(config).toContain(`timeout ${timeout} ${balancer.idleTimeoutSeconds}s`);
    expect(config).toContain("timeout connect 10s");
  });

  it("holds empty target slots checked on the group's path, rhythm and thresholds, and their fail-open twins", () => {
    const check = balancer.targetGroup.healthCheck;
    expect(config).toContain(`http-check send meth GET uri ${check.path} `);
    expect(config).toContain(`timeout check ${check.timeoutSeconds}s`);
    expect(config).toContain(
      `server-template target 1-8 0.0.0.0:8080 check inter ${check.intervalSeconds}s fall ${check.unhealthyThreshold} rise ${check.healthyThreshold} port 8080 disabled`,
    );
    expect(config).toContain("server-template open 1-8 0.0.0.0:8080 backup disabled cookie fail-open");
    expect(config).toContain("dynamic-cookie-key k3y");
  });
});

describe("statusMatches", () => {
  it("admits a status the matcher names, in a list or a range, and nothing else", () => {
    expect([200, 302, 404].map((status) => statusMatches("200,302", status))).toEqual([true, true, false]);
    expect([199, 200, 299, 300].map((status) => statusMatches("200-299", status))).toEqual([
      false,
      true,
      true,
      false,
    ]);
  });
});
