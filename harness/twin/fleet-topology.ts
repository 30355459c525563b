import { HarnessError } from "../errors.ts";
import { only, refOf, type Resources } from "./template-resources.ts";

/** A CPU target-tracking policy of the group (ASGAverageCPUUtilization). */
export interface CpuTarget {
  readonly logicalId: string;
  readonly targetPercent: number;
  /** Seconds a new instance's CPU is left out of the group's average (EstimatedInstanceWarmup). */
  readonly warmupSeconds: number;
  /** The policy only scales out (DisableScaleIn). */
  readonly disableScaleIn: boolean;
}

/** The Auto Scaling group the twin plays with instance containers, read from its template resources. */
export interface FleetTopology {
  readonly logicalId: string;
  readonly launchTemplateId: string;
  readonly instanceType: string;
  readonly minSize: number;
  readonly maxSize: number;
  readonly desiredCapacity: number;
  /** ELB: a target failing the load balancer's health check past the grace period is replaced too. */
  readonly healthCheckType: "EC2" | "ELB";
  readonly gracePeriodSeconds: number;
  /** The subnets the group spreads over, by logical id, in the template's order. */
  readonly subnetIds: readonly string[];
  readonly targetGroupIds: readonly string[];
  readonly cpuTarget: CpuTarget | undefined;
}

/** Auto Scaling's defaults (AWS::AutoScaling::AutoScalingGroup and target-tracking policies). */
export const GROUP_DEFAULTS = { gracePeriodSeconds: 0, warmupSeconds: 300 } as const;

function cpuTarget(resources: Resources, groupId: string): CpuTarget | undefined {
  const policies = Object.entries(resources).filter(
    ([, resource]) =>
      resource.Type === "AWS::AutoScaling::ScalingPolicy" &&
      refOf(resource.Properties?.AutoScalingGroupName) === groupId,
  );
  const found = policies.map(([logicalId, policy]) => {
    const props = policy.Properties ?? {};
    const config = props.TargetTrackingConfiguration as Record<string, unknown> | undefined;
    const metric = (config?.PredefinedMetricSpecification as { PredefinedMetricType?: string } | undefined)
      ?.PredefinedMetricType;
    if (props.PolicyType !== "TargetTrackingScaling" || metric !== "ASGAverageCPUUtilization")
      throw new HarnessError(
        `scaling policy ${logicalId} is ${String(props.PolicyType)} on ${String(metric)}; the twin acts on CPU target tracking only`,
      );
    return {
      logicalId,
      targetPercent: Number(config?.TargetValue),
      warmupSeconds: Number(props.EstimatedInstanceWarmup ?? GROUP_DEFAULTS.warmupSeconds),
      disableScaleIn: config?.DisableScaleIn === true,
    };
  });
  if (found.length > 1)
    throw new HarnessError(`group ${groupId} has ${found.length} CPU policies; the twin acts on one`);
  return found[0];
}

/** The one Auto Scaling group of the backend template with its launch template and CPU policy. */
export function deriveFleet(resources: Resources): FleetTopology {
  const [logicalId, group] = only(resources, "AWS::AutoScaling::AutoScalingGroup", "the API's instances");
  const props = group.Properties ?? {};
  const launchTemplateId = refOf(
    (props.LaunchTemplate as Record<string, unknown> | undefined)?.LaunchTemplateId,
  );
  const launchTemplate = launchTemplateId === undefined ? undefined : resources[launchTemplateId];
  if (launchTemplateId === undefined || launchTemplate?.Type !== "AWS::EC2::LaunchTemplate")
    throw new HarnessError(`group ${logicalId} does not launch from a launch template of the template`);
  const data = launchTemplate.Properties?.LaunchTemplateData as Record<string, unknown>;
  const minSize = Number(props.MinSize);
  const maxSize = Number(props.MaxSize);
  if (!(maxSize >= minSize))
    throw new HarnessError(
      `group ${logicalId} has MaxSize ${maxSize} below MinSize ${minSize}`,
      "make the group's maxCapacity at least its minCapacity",
    );
  const desiredCapacity = Number(props.DesiredCapacity ?? minSize);
  if (desiredCapacity < minSize || desiredCapacity > maxSize)
    throw new HarnessError(
      `group ${logicalId} wants ${desiredCapacity} instances, outside ${minSize}..${maxSize}`,
    );
  return {
    logicalId,
    launchTemplateId,
    instanceType: String(data.InstanceType),
    minSize,
    maxSize,
    desiredCapacity,
    healthCheckType: props.HealthCheckType === "ELB" ? "ELB" : "EC2",
    gracePeriodSeconds: Number(props.HealthCheckGracePeriod ?? GROUP_DEFAULTS.gracePeriodSeconds),
    subnetIds: ((props.VPCZoneIdentifier as unknown[] | undefined) ?? []).map((subnet) =>
      String(refOf(subnet)),
    ),
    targetGroupIds: ((props.TargetGroupARNs as unknown[] | undefined) ?? []).map((arn) => String(refOf(arn))),
    cpuTarget: cpuTarget(resources, logicalId),
  };
}
