import { HarnessError } from "../errors.ts";
import type { Template, TemplateResource } from "../cdk/cloud-assembly.ts";
import { deriveFleet, type FleetTopology } from "./fleet-topology.ts";
import { only, refOf, type Resources } from "./template-resources.ts";
import { deriveLoadBalancer, type LoadBalancerTopology } from "./load-balancer-topology.ts";

/** Instance types the twin can size a container for: vCPUs and memory, as AWS publishes them. */
export const INSTANCE_SIZES: Readonly<Record<string, { cpus: number; memoryGiB: number }>> = {
  "t3.micro": { cpus: 2, memoryGiB: 1 },
  "t3.small": { cpus: 2, memoryGiB: 2 },
  "t3.medium": { cpus: 2, memoryGiB: 4 },
  "t3.large": { cpus: 2, memoryGiB: 8 },
};

export interface TwinSubnet {
  readonly logicalId: string;
  readonly cidr: string;
  readonly availabilityZone: string;
}

export interface TwinNetwork {
  readonly role: "public" | "private";
  /** A private network has no route to an internet gateway: the twin marks it internal. */
  readonly internal: boolean;
  readonly subnets: readonly TwinSubnet[];
}

/** TTLs (seconds) of a cache behaviour: what the edge does with the origin's Cache-Control. */
export interface CacheTtls {
  readonly policy: string;
  readonly minTtl: number;
  readonly defaultTtl: number;
  readonly maxTtl: number;
}

/** CloudFront's managed cache policies, by id, with their published TTLs (no query strings, headers or cookies in the key). */
export const MANAGED_CACHE_POLICIES: Readonly<Record<string, CacheTtls>> = {
  "658327ea-f89d-4fab-a63d-7e88639e58f6": {
    policy: "CachingOptimized",
    minTtl: 1,
    defaultTtl: 86_400,
    maxTtl: 31_536_000,
  },
  "b2884449-e4de-46a7-ac36-70bc7f1ddd6d": {
    policy: "CachingOptimizedForUncompressedObjects",
    minTtl: 1,
    defaultTtl: 86_400,
    maxTtl: 31_536_000,
  },
  "4135ea2d-6df8-44a3-9df3-4b5a84be39ad": { policy: "CachingDisabled", minTtl: 0, defaultTtl: 0, maxTtl: 0 },
};

export interface ErrorResponse {
  readonly errorCode: number;
  readonly responseCode: number | undefined;
  readonly responsePagePath: string | undefined;
  readonly ttlSeconds: number | undefined;
}

/** The twin's shape, derived from the synthesized templates: what runs where, sized and configured how. */
export interface Topology {
  readonly networks: readonly TwinNetwork[];
  readonly database: {
    readonly logicalId: string;
    readonly engine: string;
    readonly majorVersion: number;
    readonly databaseName: string;
    readonly masterUsername: string;
    readonly network: "private";
  };
  /** Phase 1 runs one instance (its logical id); phase 2 an Auto Scaling group behind a load balancer. */
  readonly phase: 1 | 2;
  readonly api: {
    /** The EC2 instance (phase 1) or the launch template (phase 2) the API's instances are built from. */
    readonly logicalId: string;
    readonly instanceType: string;
    readonly cpus: number;
    readonly memoryGiB: number;
    readonly network: "public";
    readonly domainName: string;
  };
  /** Phase 2: the group of API instances and the load balancer in front of them. */
  readonly fleet?: FleetTopology;
  readonly loadBalancer?: LoadBalancerTopology;
  readonly edge: {
    readonly logicalId: string;
    readonly aliases: readonly string[];
    readonly defaultRootObject: string | undefined;
    readonly viewerProtocolPolicy: string;
    readonly errorResponses: readonly ErrorResponse[];
    readonly cache: CacheTtls;
    /** Whether the edge compresses (gzip, br) what it serves. */
    readonly compress: boolean;
    /** The lowest TLS version viewers may use, from the viewer certificate's security policy. */
    readonly minimumTlsVersion: "TLSv1.2" | "TLSv1.3";
  };
}

function networks(resources: Resources): TwinNetwork[] {
  const internetRoutes = new Set(
    Object.values(resources)
      .filter(
        (resource) => resource.Type === "AWS::EC2::Route" && resource.Properties?.GatewayId !== undefined,
      )
      .map((resource) => refOf(resource.Properties?.RouteTableId)),
  );
  const tableOf = new Map(
    Object.values(resources)
      .filter((resource) => resource.Type === "AWS::EC2::SubnetRouteTableAssociation")
      .map((resource) => [refOf(resource.Properties?.SubnetId), refOf(resource.Properties?.RouteTableId)]),
  );
  const subnets = Object.entries(resources)
    .filter(([, resource]) => resource.Type === "AWS::EC2::Subnet")
    .map(([logicalId, resource]) => ({
      logicalId,
      cidr: String(resource.Properties?.CidrBlock),
      availabilityZone: String(resource.Properties?.AvailabilityZone),
      public: internetRoutes.has(tableOf.get(logicalId)),
    }));
  const group = (isPublic: boolean): TwinNetwork => ({
    role: isPublic ? "public" : "private",
    internal: !isPublic,
    subnets: subnets.filter((subnet) => subnet.public === isPublic).map(({ public: _, ...subnet }) => subnet),
  });
  return [group(true), group(false)];
}

/** The master user of an RDS instance whose password CDK generated: it sits in the secret's template. */
function masterUsername(resources: Resources, database: TemplateResource): string {
  const literal = database.Properties?.MasterUsername;
  if (typeof literal === "string" && !literal.startsWith("{{resolve:")) return literal;
  const secretRef = JSON.stringify(literal ?? "").match(/"Ref":"([A-Za-z0-9]+)"/)?.[1];
  const secret = secretRef ? resources[secretRef] : undefined;
  const template = (secret?.Properties?.GenerateSecretString as { SecretStringTemplate?: string } | undefined)
    ?.SecretStringTemplate;
  const username = template ? (JSON.parse(template) as { username?: string }).username : undefined;
  if (!username) throw new HarnessError("cannot tell the database's master user from the template");
  return username;
}

/** The cache behaviour's TTLs: a managed policy by id, a CachePolicy resource in the template, or legacy TTLs. */
function cacheTtls(resources: Resources, behavior: Record<string, unknown>): CacheTtls {
  const policyId = behavior.CachePolicyId;
  if (typeof policyId === "string") {
    const managed = MANAGED_CACHE_POLICIES[policyId];
    if (!managed)
      throw new HarnessError(
        `the distribution uses cache policy ${policyId}, which the twin does not know`,
        "add its TTLs to MANAGED_CACHE_POLICIES in harness/twin/topology.ts",
      );
    return managed;
  }
  const ref = refOf(policyId);
  if (ref !== undefined) {
    const config = resources[ref]?.Properties?.CachePolicyConfig as Record<string, unknown> | undefined;
    if (!config) throw new HarnessError(`the distribution's cache policy ${ref} is not in the template`);
    return {
      policy: String(config.Name ?? ref),
      minTtl: Number(config.MinTTL),
      defaultTtl: Number(config.DefaultTTL),
      maxTtl: Number(config.MaxTTL),
    };
  }
  // Legacy cache settings on the behaviour itself, with CloudFront's defaults.
  return {
    policy: "legacy",
    minTtl: Number(behavior.MinTTL ?? 0),
    defaultTtl: Number(behavior.DefaultTTL ?? 86_400),
    maxTtl: Number(behavior.MaxTTL ?? 31_536_000),
  };
}

/** The lowest TLS version of a CloudFront security policy such as TLSv1.2_2021 (older policies are refused). */
function minimumTlsVersion(config: Record<string, unknown>): "TLSv1.2" | "TLSv1.3" {
  const policy = String(
    (config.ViewerCertificate as Record<string, unknown> | undefined)?.MinimumProtocolVersion,
  );
  if (policy.startsWith("TLSv1.2")) return "TLSv1.2";
  if (policy.startsWith("TLSv1.3")) return "TLSv1.3";
  throw new HarnessError(
    `the distribution allows viewers ${policy}; the twin's edge serves TLS 1.2 and later only`,
    "set minimumProtocolVersion to TLS_V1_2_2021 (the seed requires TLS 1.2+)",
  );
}

/** The API's instances: one EC2 instance (phase 1), or an Auto Scaling group behind an ALB (phase 2). */
function apiShape(resources: Resources): Pick<Topology, "phase" | "fleet" | "loadBalancer"> & {
  logicalId: string;
  instanceType: string;
} {
  const instances = Object.entries(resources).filter(([, r]) => r.Type === "AWS::EC2::Instance");
  const groups = Object.values(resources).filter((r) => r.Type === "AWS::AutoScaling::AutoScalingGroup");
  if (instances.length === 1 && groups.length === 0) {
    const [logicalId, instance] = instances[0] as [string, TemplateResource];
    return { phase: 1, logicalId, instanceType: String(instance.Properties?.InstanceType) };
  }
  if (instances.length === 0 && groups.length > 0) {
    const fleet = deriveFleet(resources);
    const loadBalancer = deriveLoadBalancer(resources);
    if (!fleet.targetGroupIds.includes(loadBalancer.targetGroup.logicalId))
      throw new HarnessError(
        `group ${fleet.logicalId} is not registered in ${loadBalancer.targetGroup.logicalId}, the target group the load balancer forwards to`,
      );
    const { launchTemplateId: logicalId, instanceType } = fleet;
    return { phase: 2, logicalId, instanceType, fleet, loadBalancer };
  }
  throw new HarnessError(
    `the twin runs the API as one EC2 instance (phase 1) or one Auto Scaling group (phase 2); the backend template has ${instances.length} instances and ${groups.length} groups`,
  );
}

/**
 * The API's public name: the Route 53 record whose value is a reference (the Elastic IP, phase 1) or
 * whose alias points at a resource of the stack (the ALB, phase 2), not a literal.
 */
function apiDomainName(resources: Resources): string {
  const record = Object.values(resources).find((resource) => {
    if (resource.Type !== "AWS::Route53::RecordSet") return false;
    const value = JSON.stringify(
      resource.Properties?.ResourceRecords ?? resource.Properties?.AliasTarget ?? "",
    );
    return value.includes('"Ref"') || value.includes('"Fn::GetAtt"');
  });
  return String(record?.Properties?.Name ?? "").replace(/\.$/, "");
}

/** Derives the twin's topology from the backend and frontend templates, as synthesized. */
export function deriveTopology(backend: Template, frontend: Template): Topology {
  const [databaseId, database] = only(backend.Resources, "AWS::RDS::DBInstance", "the database stand-in");
  const { phase, logicalId: instanceId, instanceType, fleet, loadBalancer } = apiShape(backend.Resources);
  const [distributionId, distribution] = only(
    frontend.Resources,
    "AWS::CloudFront::Distribution",
    "the edge stand-in",
  );
  const size = INSTANCE_SIZES[instanceType];
  if (!size)
    throw new HarnessError(
      `the twin cannot size a container for instance type ${instanceType}`,
      `add it to INSTANCE_SIZES in harness/twin/topology.ts`,
    );
  const config = distribution.Properties?.DistributionConfig as Record<string, unknown>;
  const behavior = config.DefaultCacheBehavior as Record<string, unknown>;
  return {
    phase,
    networks: networks(backend.Resources),
    database: {
      logicalId: databaseId,
      engine: String(database.Properties?.Engine),
      majorVersion: Number(String(database.Properties?.EngineVersion).split(".")[0]),
      databaseName: String(database.Properties?.DBName),
      masterUsername: masterUsername(backend.Resources, database),
      network: "private",
    },
    api: {
      logicalId: instanceId,
      instanceType,
      ...size,
      network: "public",
      domainName: apiDomainName(backend.Resources),
    },
    ...(fleet ? { fleet, loadBalancer } : {}),
    edge: {
      logicalId: distributionId,
      aliases: (config.Aliases as string[] | undefined) ?? [],
      defaultRootObject: config.DefaultRootObject as string | undefined,
      viewerProtocolPolicy: String(behavior.ViewerProtocolPolicy),
      cache: cacheTtls(frontend.Resources, behavior),
      compress: behavior.Compress === true,
      minimumTlsVersion: minimumTlsVersion(config),
      errorResponses: ((config.CustomErrorResponses as Record<string, unknown>[] | undefined) ?? []).map(
        (response) => ({
          errorCode: Number(response.ErrorCode),
          responseCode: response.ResponseCode === undefined ? undefined : Number(response.ResponseCode),
          responsePagePath: response.ResponsePagePath as string | undefined,
          ttlSeconds:
            response.ErrorCachingMinTTL === undefined ? undefined : Number(response.ErrorCachingMinTTL),
        }),
      ),
    },
  };
}
