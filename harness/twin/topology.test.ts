import { describe, expect, it } from "vitest";
import type { Template } from "../cdk/cloud-assembly.ts";
import { synth } from "../../infra/test/synth.ts";
import { deriveTopology } from "./topology.ts";

const templates = () => {
  const phase1 = synth(1);
  return [phase1.backendTemplate.toJSON() as Template, phase1.frontendTemplate.toJSON() as Template] as const;
};

describe("deriveTopology (phase 1)", () => {
  it("mirrors the subnets: a public network and an internal private one", () => {
    const topology = deriveTopology(...templates());
    expect(
      topology.networks.map((network) => ({
        ...network,
        subnets: network.subnets.map((s) => `${s.cidr} ${s.availabilityZone}`).sort(),
      })),
    ).toEqual([
      {
        role: "public",
        internal: false,
        subnets: ["10.0.1.0/24 ap-northeast-2a", "10.0.2.0/24 ap-northeast-2c"],
      },
      {
        role: "private",
        internal: true,
        subnets: ["10.0.10.0/24 ap-northeast-2a", "10.0.11.0/24 ap-northeast-2c"],
      },
    ]);
  });

  it("takes the database's engine, major version, name and master user from the RDS instance and its secret", () => {
    expect(deriveTopology(...templates()).database).toMatchObject({
      engine: "postgres",
      majorVersion: 15,
      databaseName: "threadcast",
      masterUsername: "threadcast",
    });
  });

  it("sizes the API stand-in like its instance type and names it after the API record", () => {
    expect(deriveTopology(...templates()).api).toMatchObject({
      instanceType: "t3.micro",
      cpus: 2,
      memoryGiB: 1,
      domainName: "api.threadcast.io",
    });
  });

  it("configures the edge from the distribution: aliases, root object, redirect, both error responses", () => {
    expect(deriveTopology(...templates()).edge).toMatchObject({
      aliases: ["threadcast.io", "www.threadcast.io"],
      defaultRootObject: "index.html",
      viewerProtocolPolicy: "redirect-to-https",
      errorResponses: [
        { errorCode: 403, responseCode: 200, responsePagePath: "/index.html", ttlSeconds: 10 },
        { errorCode: 404, responseCode: 200, responsePagePath: "/index.html", ttlSeconds: 10 },
      ],
    });
  });

  it("takes the cache TTLs from the managed policy, compression and the viewers' lowest TLS version", () => {
    expect(deriveTopology(...templates()).edge).toMatchObject({
      cache: { policy: "CachingOptimized", minTtl: 1, defaultTtl: 86_400, maxTtl: 31_536_000 },
      compress: true,
      minimumTlsVersion: "TLSv1.2",
    });
  });

  it("refuses a cache policy it does not know instead of guessing its TTLs", () => {
    const [backend, frontend] = templates();
    const distribution = Object.values(frontend.Resources).find(
      (resource) => resource.Type === "AWS::CloudFront::Distribution",
    );
    const config = distribution?.Properties?.DistributionConfig as {
      DefaultCacheBehavior: Record<string, unknown>;
    };
    config.DefaultCacheBehavior.CachePolicyId = "00000000-0000-0000-0000-000000000000";
    expect(() => deriveTopology(backend, frontend)).toThrow(/cache policy 00000000-.* twin does not know/);
  });

  it("refuses a phase it cannot stand in for, saying what is missing", () => {
    const phase3 = synth(3);
    expect(() =>
      deriveTopology(
        phase3.backendTemplate.toJSON() as Template,
        phase3.frontendTemplate.toJSON() as Template,
      ),
    ).toThrow(
      /one EC2 instance \(phase 1\) or one Auto Scaling group \(phase 2\); the backend template has 0 instances and 0 groups/,
    );
  });
});
