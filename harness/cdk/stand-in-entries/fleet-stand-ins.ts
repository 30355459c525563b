import type { RemovedType } from "../stand-in-entry.ts";
import { stableId } from "./stable-id.ts";

/** The Auto Scaling group and its CPU policy, played by the twin's instance containers and its scaler. */
export const FLEET_STAND_INS: readonly RemovedType[] = [
  {
    type: "AWS::AutoScaling::AutoScalingGroup",
    coverage: "stand-in",
    how: "the twin's API instance containers, launched through EC2 from the launch template over the group's subnets; its controller replaces a dead or ELB-unhealthy instance and keeps the desired capacity",
    beforeDeploy: async ({ stack, logicalId }) => ({ ref: `${stack.stackName}-${logicalId}`.slice(0, 255) }),
  },
  {
    type: "AWS::AutoScaling::ScalingPolicy",
    coverage: "stand-in",
    how: "the group's controller, tracking the instance containers' measured CPU: out after 3 datapoints above the target, in after 15 below 90% of it",
    beforeDeploy: async ({ stack, logicalId, account }) => {
      const id = stableId(32, stack.stackName, logicalId);
      const arn = `arn:aws:autoscaling:${stack.region}:${account}:scalingPolicy:${id}:autoScalingGroupName/${stack.stackName}:policyName/${logicalId}`;
      return { ref: arn, attributes: { Arn: arn, PolicyName: logicalId } };
    },
  },
];
