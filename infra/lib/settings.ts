/** Facts of the seed architecture, and the few choices a deployment must make, validated in one place. */
export type Phase = 1 | 2 | 3;

export interface ThreadcastSettings {
  /** 1: one EC2 instance (today); 2: ALB + Auto Scaling + Multi-AZ RDS; 3: ECS Fargate behind the ALB. */
  readonly phase: Phase;
  /** The only source allowed to reach port 22 of the API instances. */
  readonly operatorCidr: string;
  /** The existing Route 53 hosted zone of the domain (imported, never created). */
  readonly hostedZoneId: string;
  readonly account: string;
  /** Region of the VPC, the API and the database. */
  readonly region: string;
  /** CloudFront's certificate (and its metrics) live in us-east-1. */
  readonly edgeRegion: string;
  readonly domain: string;
  readonly webBucketName: string;
}

export class InfraSettingsError extends Error {
  override name = "InfraSettingsError";
}

/** The seed's fixed facts. */
export const SEED = {
  region: "ap-northeast-2",
  availabilityZones: ["ap-northeast-2a", "ap-northeast-2c"],
  edgeRegion: "us-east-1",
  domain: "threadcast.io",
  webBucketName: "threadcast-web-prod",
  vpcCidr: "10.0.0.0/16",
  publicSubnetCidrs: ["10.0.1.0/24", "10.0.2.0/24"],
  privateSubnetCidrs: ["10.0.10.0/24", "10.0.11.0/24"],
  databaseName: "threadcast",
  databaseUser: "threadcast",
  /** The API's user on the phase-2 message broker. */
  brokerUser: "threadcast",
} as const;

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

function operatorCidr(raw: unknown): string {
  if (raw === undefined || raw === null || raw === "") {
    throw new InfraSettingsError(
      "the operator CIDR for SSH (port 22) is required and has no default: pass -c operatorCidr=<your address>/32",
    );
  }
  const value = String(raw).trim();
  const match = CIDR.exec(value);
  const octetsOk = match?.slice(1, 5).every((octet) => Number(octet) <= 255) ?? false;
  if (!match || !octetsOk || Number(match[5]) > 32) {
    throw new InfraSettingsError(`operatorCidr=${value} is not an IPv4 CIDR such as 203.0.113.7/32`);
  }
  if (Number(match[5]) < 8) {
    throw new InfraSettingsError(
      `operatorCidr=${value} opens SSH to a /${match[5]}; port 22 must never be open to the world — use your address/32`,
    );
  }
  return value;
}

function phase(raw: unknown): Phase {
  const value = raw === undefined ? "1" : String(raw);
  if (value === "1" || value === "2" || value === "3") return Number(value) as Phase;
  throw new InfraSettingsError(`unknown phase ${value}: use -c phase=1 (default), 2 or 3`);
}

/** Reads the settings from CDK context values; throws {@link InfraSettingsError} with the fix. */
export function readSettings(
  context: (key: string) => unknown,
  env: NodeJS.ProcessEnv = process.env,
): ThreadcastSettings {
  const hostedZoneId = context("hostedZoneId") ?? env.THREADCAST_HOSTED_ZONE_ID;
  if (hostedZoneId === undefined || hostedZoneId === "") {
    throw new InfraSettingsError(
      `the id of the existing ${SEED.domain} hosted zone is required: pass -c hostedZoneId=Z... (the zone is imported, not created)`,
    );
  }
  const account = context("account") ?? env.CDK_DEFAULT_ACCOUNT;
  if (account === undefined || !/^\d{12}$/.test(String(account))) {
    throw new InfraSettingsError(
      "the AWS account is required: pass -c account=<12 digits> or set CDK_DEFAULT_ACCOUNT",
    );
  }
  return {
    phase: phase(context("phase")),
    operatorCidr: operatorCidr(context("operatorCidr")),
    hostedZoneId: String(hostedZoneId),
    account: String(account),
    region: SEED.region,
    edgeRegion: SEED.edgeRegion,
    domain: SEED.domain,
    webBucketName: SEED.webBucketName,
  };
}
