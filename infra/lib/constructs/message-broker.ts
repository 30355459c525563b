import { ArnFormat, Fn, Stack } from "aws-cdk-lib";
import * as amazonmq from "aws-cdk-lib/aws-amazonmq";
import type * as ec2 from "aws-cdk-lib/aws-ec2";
import * as logs from "aws-cdk-lib/aws-logs";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import { acceptFinding, NO_ROTATION_YET } from "../nag.ts";
import { SEED } from "../settings.ts";

export interface MessageBrokerProps {
  readonly vpc: ec2.IVpc;
  readonly securityGroup: ec2.ISecurityGroup;
}

/**
 * Phases 2 and later: the STOMP broker the API instances relay their WebSocket events through, so a
 * subscriber on one instance gets what another publishes. Amazon MQ for ActiveMQ, because it is the
 * engine of Amazon MQ that speaks STOMP (over TLS, port 61614); Amazon MQ for RabbitMQ offers AMQP only
 * (its STOMP plugin cannot be enabled there). The API's user is generated into Secrets Manager.
 */
export class MessageBroker extends Construct {
  readonly broker: amazonmq.CfnBroker;
  readonly credentials: secretsmanager.Secret;
  /** The broker's STOMP endpoint: stomp+ssl://<host>:61614. */
  readonly stompEndpoint: string;

  constructor(scope: Construct, id: string, props: MessageBrokerProps) {
    super(scope, id);
    this.credentials = new secretsmanager.Secret(this, "Credentials", {
      description: "The API instances' user on the message broker (STOMP relay)",
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ username: SEED.brokerUser }),
        generateStringKey: "password",
        // Amazon MQ refuses commas, colons and equals signs in a password; letters and digits only.
        excludePunctuation: true,
        passwordLength: 32,
      },
    });
    acceptFinding(this.credentials, "SMG4", NO_ROTATION_YET);
    const [subnet] = props.vpc.isolatedSubnets;
    if (!subnet) throw new Error("the broker needs a private subnet");
    this.broker = new amazonmq.CfnBroker(this, "Broker", {
      brokerName: "threadcast-broker",
      engineType: "ACTIVEMQ",
      engineVersion: "5.18",
      hostInstanceType: "mq.t3.micro",
      // mq.t3.micro runs single-instance only; the broker keeps no state the app cannot lose (live events).
      deploymentMode: "SINGLE_INSTANCE",
      publiclyAccessible: false,
      autoMinorVersionUpgrade: true,
      subnetIds: [subnet.subnetId],
      securityGroups: [props.securityGroup.securityGroupId],
      users: [
        {
          username: this.credentials.secretValueFromJson("username").unsafeUnwrap(),
          password: this.credentials.secretValueFromJson("password").unsafeUnwrap(),
        },
      ],
      logs: { general: true, audit: true },
      encryptionOptions: { useAwsOwnedKey: true },
    });
    this.broker.addDependency(this.logsPolicy());
    this.stompEndpoint = Fn.select(0, this.broker.attrStompEndpoints);
  }

  /**
   * Amazon MQ publishes a broker's general and audit logs only where CloudWatch Logs lets it: a resource
   * policy for mq.amazonaws.com on /aws/amazonmq/*, in place before the broker is made.
   */
  private logsPolicy(): logs.CfnResourcePolicy {
    const stack = Stack.of(this);
    const logGroups = stack.formatArn({
      service: "logs",
      resource: "log-group",
      resourceName: "/aws/amazonmq/*",
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    return new logs.CfnResourcePolicy(this, "LogsPolicy", {
      policyName: "threadcast-amazonmq-logs",
      policyDocument: stack.toJsonString({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "mq.amazonaws.com" },
            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: logGroups,
          },
        ],
      }),
    });
  }
}
