import { Duration, RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as iam from "aws-cdk-lib/aws-iam";
import * as logs from "aws-cdk-lib/aws-logs";
import * as route53 from "aws-cdk-lib/aws-route53";
import * as targets from "aws-cdk-lib/aws-route53-targets";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import * as sns from "aws-cdk-lib/aws-sns";
import type { Construct } from "constructs";
import { alarm, FIVE_MINUTES, ONE_MINUTE } from "./constructs/alarms.ts";
import { ApiFleet } from "./constructs/api-fleet.ts";
import { ApiInstance } from "./constructs/api-instance.ts";
import { ApiLoadBalancer } from "./constructs/api-load-balancer.ts";
import { ApiService } from "./constructs/api-service.ts";
import { apiUserData } from "./constructs/api-user-data.ts";
import { Database } from "./constructs/database.ts";
import { MessageBroker } from "./constructs/message-broker.ts";
import { Network } from "./constructs/network.ts";
import { acceptFinding, NO_ROTATION_YET } from "./nag.ts";
import { SEED, type Phase } from "./settings.ts";
import { declareOutput } from "./declare-output.ts";
import { BACKEND_OUTPUTS } from "./stack-outputs.ts";

export interface BackendStackProps extends StackProps {
  readonly phase: Phase;
  readonly operatorCidr: string;
  readonly domain: string;
  readonly hostedZoneId: string;
}

/**
 * Everything in ap-northeast-2: the VPC and its security groups, RDS PostgreSQL, the API (phase 1: one
 * instance with an Elastic IP; 2: ALB + Auto Scaling; 3: ECS Fargate), api.<domain>, logs and alarms.
 */
export class BackendStack extends Stack {
  constructor(scope: Construct, id: string, props: BackendStackProps) {
    super(scope, id, props);
    const loadBalanced = props.phase >= 2;
    const network = new Network(this, "Network", { operatorCidr: props.operatorCidr, loadBalanced });
    const database = new Database(this, "Database", {
      vpc: network.vpc,
      securityGroup: network.databaseSecurityGroup,
      multiAz: props.phase >= 2,
    });
    const databaseSecret = database.instance.secret;
    if (!databaseSecret) throw new Error("the database must generate its master secret");
    const jwtSecret = new secretsmanager.Secret(this, "JwtSecret", {
      description: "HMAC key (HS256) the API signs its JWTs with",
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    acceptFinding(jwtSecret, "SMG4", NO_ROTATION_YET);
    const logGroup = new logs.LogGroup(this, "ApiLogGroup", {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const zone = route53.HostedZone.fromHostedZoneAttributes(this, "Zone", {
      hostedZoneId: props.hostedZoneId,
      zoneName: props.domain,
    });
    const alarmTopic = new sns.Topic(this, "AlarmTopic", {
      displayName: "ThreadCast alarms",
      enforceSSL: true,
    });
    const apiDomain = `api.${props.domain}`;
    const databaseHost = database.instance.dbInstanceEndpointAddress;
    const broker = network.brokerSecurityGroup
      ? new MessageBroker(this, "MessageBroker", {
          vpc: network.vpc,
          securityGroup: network.brokerSecurityGroup,
        })
      : undefined;

    // Phases 1 and 2 boot the same instance; phase 3 runs the jar as a container instead.
    const instanceUserData = () =>
      apiUserData({
        region: this.region,
        databaseHost,
        databaseSecretArn: databaseSecret.secretArn,
        jwtSecretArn: jwtSecret.secretArn,
        logGroupName: logGroup.logGroupName,
        broker: broker && {
          stompEndpoint: broker.stompEndpoint,
          secretArn: broker.credentials.secretArn,
        },
      });
    if (props.phase === 1) {
      const api = new ApiInstance(this, "Api", {
        vpc: network.vpc,
        securityGroup: network.apiSecurityGroup,
        role: this.instanceRole([databaseSecret, jwtSecret], logGroup),
        userData: instanceUserData(),
      });
      new route53.ARecord(this, "ApiRecord", {
        zone,
        recordName: "api",
        target: route53.RecordTarget.fromIpAddresses(api.elasticIp.ref),
        ttl: Duration.minutes(5),
      });
      this.instanceAlarms(api.instance.instanceId, alarmTopic);
      declareOutput(this, BACKEND_OUTPUTS.apiInstanceId, api.instance.instanceId);
      declareOutput(this, BACKEND_OUTPUTS.apiPublicIp, api.elasticIp.ref);
    } else {
      const balancer = new ApiLoadBalancer(this, "Api", { vpc: network.vpc, zone, apiDomain });
      network.apiSecurityGroup.addIngressRule(
        balancer.securityGroup,
        ec2.Port.tcp(8080),
        "Spring Boot from the ALB",
      );
      if (props.phase === 2) {
        new ApiFleet(this, "Fleet", {
          vpc: network.vpc,
          securityGroup: network.apiSecurityGroup,
          role: this.instanceRole(
            [databaseSecret, jwtSecret, ...(broker ? [broker.credentials] : [])],
            logGroup,
          ),
          userData: instanceUserData(),
          loadBalancer: balancer,
        });
      } else {
        new ApiService(this, "Service", {
          vpc: network.vpc,
          securityGroup: network.apiSecurityGroup,
          loadBalancer: balancer,
          databaseHost,
          databaseSecret,
          jwtSecret,
          logGroup,
          ...(broker ? { broker: { stompEndpoint: broker.stompEndpoint, secret: broker.credentials } } : {}),
        });
      }
      new route53.ARecord(this, "ApiRecord", {
        zone,
        recordName: "api",
        target: route53.RecordTarget.fromAlias(new targets.LoadBalancerTarget(balancer.loadBalancer)),
      });
      declareOutput(this, BACKEND_OUTPUTS.apiLoadBalancerDnsName, balancer.loadBalancer.loadBalancerDnsName);
      declareOutput(
        this,
        BACKEND_OUTPUTS.apiLoadBalancerSecurityGroupId,
        balancer.securityGroup.securityGroupId,
      );
    }

    alarm(this, "DatabaseFreeStorageAlarm", alarmTopic, {
      metric: database.instance.metricFreeStorageSpace({ period: FIVE_MINUTES }),
      threshold: 2 * 1024 ** 3,
      comparison: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 1,
      description: "Less than 2 GiB of the database's 20 GB left",
    });
    alarm(this, "DatabaseCpuAlarm", alarmTopic, {
      metric: database.instance.metricCPUUtilization({ period: FIVE_MINUTES }),
      threshold: 80,
      comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      description: "The database's CPU is above 80% for 15 minutes",
    });

    declareOutput(this, BACKEND_OUTPUTS.phase, String(props.phase));
    declareOutput(this, BACKEND_OUTPUTS.vpcId, network.vpc.vpcId);
    declareOutput(this, BACKEND_OUTPUTS.apiSecurityGroupId, network.apiSecurityGroup.securityGroupId);
    declareOutput(
      this,
      BACKEND_OUTPUTS.databaseSecurityGroupId,
      network.databaseSecurityGroup.securityGroupId,
    );
    declareOutput(this, BACKEND_OUTPUTS.databaseEndpoint, databaseHost);
    declareOutput(this, BACKEND_OUTPUTS.databaseName, SEED.databaseName);
    declareOutput(this, BACKEND_OUTPUTS.databaseUser, SEED.databaseUser);
    declareOutput(this, BACKEND_OUTPUTS.databaseSecretArn, databaseSecret.secretArn);
    declareOutput(this, BACKEND_OUTPUTS.jwtSecretArn, jwtSecret.secretArn);
    declareOutput(this, BACKEND_OUTPUTS.apiLogGroupName, logGroup.logGroupName);
    declareOutput(this, BACKEND_OUTPUTS.apiDomainName, apiDomain);
    declareOutput(this, BACKEND_OUTPUTS.alarmTopicArn, alarmTopic.topicArn);
    if (broker && network.brokerSecurityGroup) {
      declareOutput(this, BACKEND_OUTPUTS.brokerStompEndpoint, broker.stompEndpoint);
      declareOutput(this, BACKEND_OUTPUTS.brokerSecretArn, broker.credentials.secretArn);
      declareOutput(this, BACKEND_OUTPUTS.brokerSecurityGroupId, network.brokerSecurityGroup.securityGroupId);
    }
  }

  /** The API instances' role: Session Manager, the CloudWatch agent, and read of the app's secrets. */
  private instanceRole(secrets: readonly secretsmanager.ISecret[], logGroup: logs.ILogGroup): iam.Role {
    const role = new iam.Role(this, "ApiRole", {
      assumedBy: new iam.ServicePrincipal("ec2.amazonaws.com"),
      description: "ThreadCast API instances: Session Manager, CloudWatch agent, read of the app's secrets",
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName("AmazonSSMManagedInstanceCore"),
        iam.ManagedPolicy.fromAwsManagedPolicyName("CloudWatchAgentServerPolicy"),
      ],
    });
    for (const policy of ["AmazonSSMManagedInstanceCore", "CloudWatchAgentServerPolicy"]) {
      acceptFinding(
        role,
        `IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${policy}]`,
        "AWS-maintained policies for the SSM and CloudWatch agents track the agents' needs better than a copy would.",
      );
    }
    for (const secret of secrets) secret.grantRead(role);
    logGroup.grantWrite(role);
    return role;
  }

  /** EC2 status check and CPU alarms of the phase-1 instance. */
  private instanceAlarms(instanceId: string, topic: sns.ITopic): void {
    const metric = (metricName: string, statistic: string, period: Duration) =>
      new cloudwatch.Metric({
        namespace: "AWS/EC2",
        metricName,
        dimensionsMap: { InstanceId: instanceId },
        statistic,
        period,
      });
    alarm(this, "ApiStatusCheckAlarm", topic, {
      metric: metric("StatusCheckFailed", "Maximum", ONE_MINUTE),
      threshold: 1,
      comparison: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 2,
      description: "The API instance fails its EC2 status checks",
    });
    alarm(this, "ApiCpuAlarm", topic, {
      metric: metric("CPUUtilization", "Average", FIVE_MINUTES),
      threshold: 80,
      comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      description: "The API instance's CPU is above 80% for 15 minutes",
    });
  }
}
