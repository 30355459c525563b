import { DeployError } from "../deploy-error.ts";
import type { RemovedType } from "../stand-in-entry.ts";
import { TWIN_HOSTS } from "../twin-hosts.ts";
import { stableId } from "./stable-id.ts";

/** Route 53's hosted zone of application load balancers by region, as AWS publishes them (alias targets). */
export const ALB_HOSTED_ZONES: Readonly<Record<string, string>> = {
  "ap-northeast-2": "ZWKZPGTI48KDX",
  "us-east-1": "Z35SXDOTRQ7X7K",
};

/** A stable 16-hex id for a resource, as ELBv2 puts in its ARNs. */
const idOf = (...parts: string[]) => stableId(16, ...parts);

/** The region's ALB hosted zone; a region without one is refused (an alias needs the real zone). */
function albHostedZone(region: string): string {
  const zone = ALB_HOSTED_ZONES[region];
  if (zone === undefined) {
    throw new DeployError(
      `no application load balancer hosted zone is known for ${region} (the Route 53 alias to the load balancer names it)`,
      "add the region's zone, as AWS publishes it, to ALB_HOSTED_ZONES in harness/cdk/stand-in-entries/load-balancer-stand-ins.ts",
    );
  }
  return zone;
}

const nameOf = (stackName: string, logicalId: string) =>
  `${stackName.slice(0, 10)}-${logicalId.slice(0, 10)}`.replace(/[^A-Za-z0-9-]/g, "");

const arnPrefix = (region: string, account: string) => `arn:aws:elasticloadbalancing:${region}:${account}`;

/** The load balancer, its listeners and its target group, played by the twin's HAProxy container. */
export const LOAD_BALANCER_STAND_INS: readonly RemovedType[] = [
  {
    type: "AWS::ElasticLoadBalancingV2::LoadBalancer",
    coverage: "stand-in",
    how: "the twin's load balancer container (HAProxy), configured from this load balancer and its listeners",
    beforeDeploy: async ({ stack, logicalId, account }) => {
      const name = nameOf(stack.stackName, logicalId);
      const fullName = `app/${name}/${idOf(stack.stackName, logicalId)}`;
      const zone = albHostedZone(stack.region);
      return {
        ref: `${arnPrefix(stack.region, account)}:loadbalancer/${fullName}`,
        attributes: {
          DNSName: TWIN_HOSTS.loadBalancer,
          CanonicalHostedZoneID: zone,
          LoadBalancerFullName: fullName,
          LoadBalancerName: name,
        },
      };
    },
  },
  {
    type: "AWS::ElasticLoadBalancingV2::Listener",
    coverage: "stand-in",
    how: "a frontend of the load balancer container (redirect or TLS), from this listener",
    beforeDeploy: async ({ stack, logicalId, account }) => {
      const id = idOf(stack.stackName, logicalId);
      const arn = `${arnPrefix(stack.region, account)}:listener/app/${nameOf(stack.stackName, logicalId)}/${id}`;
      return { ref: arn, attributes: { ListenerArn: arn } };
    },
  },
  {
    type: "AWS::ElasticLoadBalancingV2::TargetGroup",
    coverage: "stand-in",
    how: "the load balancer container's backend: the group's instances, health-checked as this target group says",
    beforeDeploy: async ({ stack, logicalId, account }) => {
      const name = nameOf(stack.stackName, logicalId);
      const fullName = `targetgroup/${name}/${idOf(stack.stackName, logicalId)}`;
      const arn = `${arnPrefix(stack.region, account)}:${fullName}`;
      return {
        ref: arn,
        attributes: { TargetGroupArn: arn, TargetGroupFullName: fullName, TargetGroupName: name },
      };
    },
  },
];
