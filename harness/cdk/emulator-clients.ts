import { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { EC2Client } from "@aws-sdk/client-ec2";
import { Route53Client } from "@aws-sdk/client-route-53";
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

/** SDK clients for the emulator: fixed test credentials, the emulator's loopback endpoint, one region. */
export function emulatorClients(endpoint: string, region: string) {
  const config = {
    endpoint,
    region,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  };
  return {
    cloudFormation: new CloudFormationClient(config),
    ec2: new EC2Client(config),
    logs: new CloudWatchLogsClient(config),
    route53: new Route53Client(config),
    s3: new S3Client({ ...config, forcePathStyle: true }),
    secrets: new SecretsManagerClient(config),
  };
}

export type EmulatorClients = ReturnType<typeof emulatorClients>;
