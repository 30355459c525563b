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

describe("phase 2: the message broker the instances relay STOMP through", () => {
  const template = () => synth(2).backendTemplate;

  it("is Amazon MQ for ActiveMQ (the engine that speaks STOMP), private, in one private subnet", () => {
    template().hasResourceProperties("AWS::AmazonMQ::Broker", {
      EngineType: "ACTIVEMQ",
      EngineVersion: "5.18",
      HostInstanceType: "mq.t3.micro",
      DeploymentMode: "SINGLE_INSTANCE",
      PubliclyAccessible: false,
      SubnetIds: [Match.anyValue()],
    });
  });

  it("lets Amazon MQ write its logs: a resource policy for mq.amazonaws.com, made before the broker", () => {
    const policies = template().findResources("AWS::Logs::ResourcePolicy");
    const [policyId, policy] = Object.entries(policies)[0] ?? [];
    expect(JSON.stringify(policy)).toContain("mq.amazonaws.com");
    expect(JSON.stringify(policy)).toContain("/aws/amazonmq/*");
    const [broker] = Object.values(template().findResources("AWS::AmazonMQ::Broker")) as {
      DependsOn?: string[];
    }[];
    expect(broker?.DependsOn).toContain(policyId);
  });

  it("admits STOMP over TLS (61614) from the API's group only", () => {
    template().hasResourceProperties("AWS::EC2::SecurityGroup", {
      GroupName: "threadcast-mq-sg",
      SecurityGroupIngress: Match.absent(),
    });
    const ingress = Object.values(template().findResources("AWS::EC2::SecurityGroupIngress")).filter(
      (rule) => (rule as { Properties: { FromPort?: number } }).Properties.FromPort === 61614,
    ) as { Properties: { ToPort: number; SourceSecurityGroupId: unknown; CidrIp?: string } }[];
    expect(ingress).toHaveLength(1);
    expect(ingress[0]?.Properties).toMatchObject({ ToPort: 61614, SourceSecurityGroupId: expect.anything() });
    expect(ingress[0]?.Properties.CidrIp).toBeUndefined();
  });

  it("takes its user from a generated secret, which the instances may read and their user data puts in the app's environment", () => {
    template().hasResourceProperties("AWS::SecretsManager::Secret", {
      GenerateSecretString: Match.objectLike({ GenerateStringKey: "password", ExcludePunctuation: true }),
    });
    const [launch] = Object.values(template().findResources("AWS::EC2::LaunchTemplate")) as unknown[];
    const userData = JSON.stringify(launch);
    for (const variable of ["BROKER_RELAY_HOST", "BROKER_RELAY_PORT", "BROKER_USERNAME", "BROKER_PASSWORD"])
      expect(userData).toContain(variable);
  });

  it("is not in phase 1", () => {
    synth(1).backendTemplate.resourceCountIs("AWS::AmazonMQ::Broker", 0);
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
      "BROKER_PASSWORD",
      "BROKER_USERNAME",
      "DB_PASSWORD",
      "DB_USERNAME",
      "JWT_SECRET",
    ]);
    template().resourceCountIs("AWS::EC2::Instance", 0);
    template().resourceCountIs("AWS::AutoScaling::AutoScalingGroup", 0);
  });

  it("hands the tasks the broker's relay settings, its user from the broker's secret (as phase 2's user data does)", () => {
    const [task] = Object.values(template().findResources("AWS::ECS::TaskDefinition")) as {
      Properties: {
        ContainerDefinitions: {
          Environment: { Name: string; Value: unknown }[];
          Secrets: { Name: string; ValueFrom: unknown }[];
        }[];
      };
    }[];
    const container = task!.Properties.ContainerDefinitions[0]!;
    const value = (name: string) => container.Environment.find((entry) => entry.Name === name)?.Value;
    expect(value("BROKER_RELAY_TLS")).toBe("true");
    // Host and port come apart from the broker's STOMP endpoint attribute at deploy time.
    for (const name of ["BROKER_RELAY_HOST", "BROKER_RELAY_PORT"])
      expect(JSON.stringify(value(name))).toContain("StompEndpoints");
    const [brokerSecret] = Object.keys(
      template().findResources("AWS::SecretsManager::Secret", {
        Properties: { Description: Match.stringLikeRegexp("message broker") },
      }),
    );
    for (const name of ["BROKER_USERNAME", "BROKER_PASSWORD"]) {
      const secret = container.Secrets.find((entry) => entry.Name === name);
      expect(JSON.stringify(secret?.ValueFrom)).toContain(brokerSecret);
    }
  });
});
