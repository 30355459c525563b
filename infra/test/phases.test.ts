import { Match } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { synth } from "./synth.ts";

describe("phase 2: ALB + Auto Scaling + Multi-AZ", () => {
  const template = () => synth(2).backendTemplate;

  it("has an internet-facing ALB across both public subnets, 80 redirecting to 443", () => {
    const [balancer] = Object.values(
      template().findResources("AWS::ElasticLoadBalancingV2::LoadBalancer"),
    ) as {
      Properties: { Scheme: string; Subnets: unknown[] };
    }[];
    expect(balancer?.Properties.Scheme).toBe("internet-facing");
    expect(balancer?.Properties.Subnets).toHaveLength(2);
    template().hasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", {
      Port: 80,
      DefaultActions: [
        Match.objectLike({
          Type: "redirect",
          RedirectConfig: Match.objectLike({ Port: "443", StatusCode: "HTTP_301" }),
        }),
      ],
    });
    template().hasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", {
      Port: 443,
      Protocol: "HTTPS",
    });
  });

  it("targets 8080 with the /api/health check, sticky for STOMP sessions", () => {
    template().hasResourceProperties("AWS::ElasticLoadBalancingV2::TargetGroup", {
      Port: 8080,
      HealthCheckPath: "/api/health",
      TargetGroupAttributes: Match.arrayWith([{ Key: "stickiness.enabled", Value: "true" }]),
    });
  });

  it("runs at least two t3.micro instances across 2a and 2c, IMDSv2 only, and no single instance", () => {
    const [group] = Object.values(template().findResources("AWS::AutoScaling::AutoScalingGroup")) as {
      Properties: { MinSize: string; VPCZoneIdentifier: unknown[] };
    }[];
    expect(group?.Properties.MinSize).toBe("2");
    expect(group?.Properties.VPCZoneIdentifier).toHaveLength(2);
    template().hasResourceProperties("AWS::EC2::LaunchTemplate", {
      LaunchTemplateData: Match.objectLike({
        InstanceType: "t3.micro",
        MetadataOptions: { HttpTokens: "required" },
      }),
    });
    template().resourceCountIs("AWS::EC2::Instance", 0);
    template().resourceCountIs("AWS::EC2::EIP", 0);
  });

  it("aliases api.threadcast.io to the load balancer", () => {
    template().hasResourceProperties("AWS::Route53::RecordSet", {
      Name: "api.threadcast.io.",
      Type: "A",
      AliasTarget: Match.objectLike({ DNSName: Match.anyValue() }),
    });
  });
});

describe("phase 3: ECS Fargate behind the ALB, images in ECR", () => {
  const template = () => synth(3).backendTemplate;

  it("has an ECR repository with immutable tags and scanning", () => {
    template().hasResourceProperties("AWS::ECR::Repository", {
      ImageTagMutability: "IMMUTABLE",
      ImageScanningConfiguration: { ScanOnPush: true },
    });
  });

  it("runs two Fargate tasks with the systemd unit's JVM flags and the secrets from Secrets Manager", () => {
    template().hasResourceProperties("AWS::ECS::Service", { LaunchType: "FARGATE", DesiredCount: 2 });
    const [task] = Object.values(template().findResources("AWS::ECS::TaskDefinition")) as {
      Properties: {
        Cpu: string;
        Memory: string;
        ContainerDefinitions: {
          Environment: { Name: string; Value: unknown }[];
          Secrets: { Name: string }[];
        }[];
      };
    }[];
    expect(task?.Properties).toMatchObject({ Cpu: "512", Memory: "1024" });
    const container = task!.Properties.ContainerDefinitions[0]!;
    expect(container.Environment).toEqual(
      expect.arrayContaining([
        { Name: "JAVA_TOOL_OPTIONS", Value: "-Xms256m -Xmx512m -Dspring.profiles.active=prod" },
      ]),
    );
    expect(container.Secrets.map((secret) => secret.Name).sort()).toEqual([
      "DB_PASSWORD",
      "DB_USERNAME",
      "JWT_SECRET",
    ]);
    template().resourceCountIs("AWS::EC2::Instance", 0);
    template().resourceCountIs("AWS::AutoScaling::AutoScalingGroup", 0);
  });
});
