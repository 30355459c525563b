import { describe, expect, it } from "vitest";
import type { Template, TemplateResource } from "../cdk/cloud-assembly.ts";
import { synth } from "../../infra/test/synth.ts";
import { deriveTopology } from "./topology.ts";
import { deriveFleet } from "./fleet-topology.ts";
import { deriveLoadBalancer, policyMinimumTls, TARGET_GROUP_DEFAULTS } from "./load-balancer-topology.ts";

const phase2 = () => {
  const synthesized = synth(2);
  return [
    synthesized.backendTemplate.toJSON() as Template,
    synthesized.frontendTemplate.toJSON() as Template,
  ] as const;
};

/** The phase-2 backend's resources with one resource's properties changed. */
function edited(type: string, change: (properties: Record<string, unknown>) => void) {
  const resources = structuredClone(phase2()[0].Resources) as Record<string, TemplateResource>;
  const target = Object.values(resources).find((resource) => resource.Type === type);
  if (!target?.Properties) throw new Error(`no ${type} in the phase-2 template`);
  change(target.Properties as Record<string, unknown>);
  return resources;
}

describe("deriveTopology (phase 2)", () => {
  it("sees an Auto Scaling group behind a load balancer, sized like the launch template's instance type", () => {
    const topology = deriveTopology(...phase2());
    expect(topology.phase).toBe(2);
    expect(topology.api).toMatchObject({ instanceType: "t3.micro", cpus: 2, memoryGiB: 1 });
    expect(topology.api.domainName).toBe("api.threadcast.io");
    expect(topology.fleet?.launchTemplateId).toBe(topology.api.logicalId);
    expect(topology.loadBalancer?.targetGroup.logicalId).toBe(topology.fleet?.targetGroupIds[0]);
  });

  it("stays phase 1 for the phase-1 templates, with no group and no load balancer", () => {
    const phase1 = synth(1);
    const topology = deriveTopology(
      phase1.backendTemplate.toJSON() as Template,
      phase1.frontendTemplate.toJSON() as Template,
    );
    expect(topology.phase).toBe(1);
    expect(topology.fleet).toBeUndefined();
    expect(topology.loadBalancer).toBeUndefined();
  });
});

describe("deriveFleet", () => {
  it("reads capacity, the ELB health check and its grace period, both public subnets and the CPU target", () => {
    const fleet = deriveFleet(phase2()[0].Resources);
    expect(fleet).toMatchObject({
      minSize: 2,
      maxSize: 4,
      desiredCapacity: 2,
      healthCheckType: "ELB",
      gracePeriodSeconds: 300,
      cpuTarget: { targetPercent: 60, warmupSeconds: 300 },
    });
    const subnets = phase2()[0].Resources;
    expect(fleet.subnetIds.map((id) => subnets[id]?.Properties?.AvailabilityZone)).toEqual([
      "ap-northeast-2a",
      "ap-northeast-2c",
    ]);
  });

  it("takes a desired capacity the template sets, and refuses one outside min..max", () => {
    const desired = edited("AWS::AutoScaling::AutoScalingGroup", (p) => (p.DesiredCapacity = "3"));
    expect(deriveFleet(desired).desiredCapacity).toBe(3);
    const outside = edited("AWS::AutoScaling::AutoScalingGroup", (p) => (p.DesiredCapacity = "5"));
    expect(() => deriveFleet(outside)).toThrow(/wants 5 instances, outside 2\.\.4/);
  });

  it("refuses a maximum below the minimum, naming both", () => {
    const resources = edited("AWS::AutoScaling::AutoScalingGroup", (p) => (p.MaxSize = "1"));
    expect(() => deriveFleet(resources)).toThrow(/MaxSize 1 below MinSize 2/);
  });

  it("refuses a scaling policy it cannot act on", () => {
    const resources = edited("AWS::AutoScaling::ScalingPolicy", (p) => (p.PolicyType = "StepScaling"));
    expect(() => deriveFleet(resources)).toThrow(/StepScaling .* CPU target tracking only/);
  });
});

describe("deriveLoadBalancer", () => {
  it("reads the listeners, the target group's port, check, delay, stickiness and the idle timeout", () => {
    const balancer = deriveLoadBalancer(phase2()[0].Resources);
    expect(balancer).toMatchObject({
      idleTimeoutSeconds: 60,
      dropInvalidHeaderFields: true,
      redirects: [{ port: 80, toPort: 443, toProtocol: "HTTPS", statusCode: 301 }],
      https: { port: 443, sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06", minimumTlsVersion: "TLSv1.2" },
      targetGroup: {
        port: 8080,
        deregistrationDelaySeconds: 30,
        stickinessSeconds: 3600,
        healthCheck: { path: "/api/health", codes: "200", port: 8080 },
      },
    });
  });

  it("fills in ELBv2's documented defaults for what the template leaves out", () => {
    const { healthCheck } = deriveLoadBalancer(phase2()[0].Resources).targetGroup;
    expect(healthCheck).toMatchObject({
      intervalSeconds: TARGET_GROUP_DEFAULTS.intervalSeconds,
      timeoutSeconds: TARGET_GROUP_DEFAULTS.timeoutSeconds,
      healthyThreshold: TARGET_GROUP_DEFAULTS.healthyThreshold,
      unhealthyThreshold: TARGET_GROUP_DEFAULTS.unhealthyThreshold,
    });
    expect(TARGET_GROUP_DEFAULTS).toMatchObject({
      intervalSeconds: 30,
      timeoutSeconds: 5,
      healthyThreshold: 5,
    });
  });

  it("takes the health check's settings when the template sets them", () => {
    const resources = edited("AWS::ElasticLoadBalancingV2::TargetGroup", (p) => {
      Object.assign(p, {
        HealthCheckIntervalSeconds: 10,
        HealthCheckTimeoutSeconds: 3,
        HealthyThresholdCount: 2,
        UnhealthyThresholdCount: 3,
        HealthCheckPort: "8081",
        Matcher: { HttpCode: "200-299" },
      });
    });
    expect(deriveLoadBalancer(resources).targetGroup.healthCheck).toEqual({
      path: "/api/health",
      codes: "200-299",
      intervalSeconds: 10,
      timeoutSeconds: 3,
      healthyThreshold: 2,
      unhealthyThreshold: 3,
      port: 8081,
    });
  });

  it("refuses an SSL policy that admits TLS 1.0 and names it", () => {
    expect(() => policyMinimumTls("ELBSecurityPolicy-2016-08")).toThrow(/ELBSecurityPolicy-2016-08/);
    expect(policyMinimumTls("ELBSecurityPolicy-TLS13-1-3-2021-06")).toBe("TLSv1.3");
  });

  it("refuses a plain HTTP listener that forwards instead of redirecting", () => {
    const resources = structuredClone(phase2()[0].Resources) as Record<string, TemplateResource>;
    const http = Object.values(resources).find(
      (r) => r.Type === "AWS::ElasticLoadBalancingV2::Listener" && r.Properties?.Protocol === "HTTP",
    );
    const https = Object.values(resources).find(
      (r) => r.Type === "AWS::ElasticLoadBalancingV2::Listener" && r.Properties?.Protocol === "HTTPS",
    );
    (http?.Properties as Record<string, unknown>).DefaultActions = https?.Properties?.DefaultActions;
    expect(() => deriveLoadBalancer(resources)).toThrow(/does not redirect to HTTPS/);
  });
});
