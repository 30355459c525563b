import { Fn, Validations } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as ecr from "aws-cdk-lib/aws-ecr";
import * as ecs from "aws-cdk-lib/aws-ecs";
import type * as logs from "aws-cdk-lib/aws-logs";
import type * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import { acceptFinding } from "../nag.ts";
import { SEED } from "../settings.ts";
import type { ApiLoadBalancer } from "./api-load-balancer.ts";

export interface ApiServiceProps {
  readonly vpc: ec2.IVpc;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly loadBalancer: ApiLoadBalancer;
  readonly databaseHost: string;
  readonly databaseSecret: secretsmanager.ISecret;
  readonly jwtSecret: secretsmanager.ISecret;
  readonly logGroup: logs.ILogGroup;
  /** The message broker the tasks relay STOMP through (stomp+ssl://<host>:<port>), and its user. */
  readonly broker?: { readonly stompEndpoint: string; readonly secret: secretsmanager.ISecret };
}

/**
 * The relay's settings as the phase-2 user data writes them: the endpoint taken apart into host and
 * port (at deploy time: the endpoint is the broker's attribute), its user from the broker's secret.
 */
function brokerSettings(broker: ApiServiceProps["broker"]): {
  environment: Record<string, string>;
  secrets: Record<string, ecs.Secret>;
} {
  if (!broker) return { environment: {}, secrets: {} };
  const address = Fn.select(1, Fn.split("://", broker.stompEndpoint));
  return {
    environment: {
      BROKER_RELAY_HOST: Fn.select(0, Fn.split(":", address)),
      BROKER_RELAY_PORT: Fn.select(1, Fn.split(":", address)),
      BROKER_RELAY_TLS: "true",
    },
    secrets: {
      BROKER_USERNAME: ecs.Secret.fromSecretsManager(broker.secret, "username"),
      BROKER_PASSWORD: ecs.Secret.fromSecretsManager(broker.secret, "password"),
    },
  };
}

/** Phase 3: the jar as a container image in ECR, run by ECS Fargate across 2a and 2c behind the ALB. */
export class ApiService extends Construct {
  readonly repository: ecr.Repository;
  readonly service: ecs.FargateService;

  constructor(scope: Construct, id: string, props: ApiServiceProps) {
    super(scope, id);
    this.repository = new ecr.Repository(this, "Repository", {
      imageScanOnPush: true,
      imageTagMutability: ecr.TagMutability.IMMUTABLE,
    });
    const cluster = new ecs.Cluster(this, "Cluster", {
      vpc: props.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });
    const task = new ecs.FargateTaskDefinition(this, "Task", { cpu: 512, memoryLimitMiB: 1024 });
    const broker = brokerSettings(props.broker);
    task.addContainer("api", {
      image: ecs.ContainerImage.fromEcrRepository(this.repository, "release"),
      portMappings: [{ containerPort: 8080 }],
      // The same JVM flags and profile as the phase-1 systemd unit.
      environment: {
        JAVA_TOOL_OPTIONS: "-Xms256m -Xmx512m -Dspring.profiles.active=prod",
        DB_HOST: props.databaseHost,
        DB_PORT: "5432",
        DB_NAME: SEED.databaseName,
        ...broker.environment,
      },
      secrets: {
        DB_USERNAME: ecs.Secret.fromSecretsManager(props.databaseSecret, "username"),
        DB_PASSWORD: ecs.Secret.fromSecretsManager(props.databaseSecret, "password"),
        JWT_SECRET: ecs.Secret.fromSecretsManager(props.jwtSecret),
        ...broker.secrets,
      },
      logging: ecs.LogDrivers.awsLogs({ logGroup: props.logGroup, streamPrefix: "api" }),
    });
    acceptFinding(
      task,
      "ECS2",
      "Only non-secret settings are plain environment variables; credentials come from Secrets Manager.",
    );
    const executionPolicy = task.executionRole?.node.tryFindChild("DefaultPolicy");
    if (executionPolicy) {
      Validations.of(executionPolicy).acknowledge({
        id: "AwsSolutions-IAM5[Resource::*]",
        reason:
          "ecr:GetAuthorizationToken has no resource-level permissions; AWS requires Resource '*' for it.",
      });
    }
    this.service = new ecs.FargateService(this, "Service", {
      cluster,
      taskDefinition: task,
      desiredCount: 2,
      // No NAT in this VPC: tasks in the public subnets pull from ECR with a public address.
      assignPublicIp: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      securityGroups: [props.securityGroup],
      circuitBreaker: { rollback: true },
    });
    props.loadBalancer.addApiTargets("Service", [this.service]);
  }
}
