import {
  GetBucketPolicyCommand,
  GetPublicAccessBlockCommand,
  type PublicAccessBlockConfiguration,
} from "@aws-sdk/client-s3";
import { emulatorClients } from "../cdk/emulator-clients.ts";
import type { Environment } from "../twin/environment.ts";

/**
 * The site bucket's privacy settings as deployed to the emulator: its Block Public Access configuration
 * and its bucket policy (the JSON text, undefined when it has none).
 */
export async function bucketPrivacy(
  environment: Environment,
): Promise<{ publicAccessBlock: PublicAccessBlockConfiguration | undefined; policy: string | undefined }> {
  const s3 = emulatorClients(environment.emulator.endpoint, "us-east-1").s3;
  const block = await s3.send(new GetPublicAccessBlockCommand({ Bucket: environment.bucket }));
  const policy = await s3.send(new GetBucketPolicyCommand({ Bucket: environment.bucket }));
  return { publicAccessBlock: block.PublicAccessBlockConfiguration, policy: policy.Policy };
}
