import type { RemovedType } from "../stand-in-entry.ts";
import { stableId } from "./stable-id.ts";

/** The Auto Scaling group and its CPU policy, played by the twin's instance containers and its scaler. */
export const FLEET_STAND_INS: readonly RemovedType[] = [
  {
    type: "AWS::AutoScaling::AutoScalingGroup",
    coverage: "stand-in",
    how: "the twin's API instance containers from the launch template, over the group's subnets (not run yet: env:up refuses phase 2)",
    beforeDeploy: async ({ stack, logicalId }) => ({ ref: `${stack.stackName}-${logicalId}`.slice(0, 255) }),
  },
  {
    type: "AWS::AutoScaling::ScalingPolicy",
    coverage: "stand-in",
    how: "the twin's scaler, acting on the instance containers' measured CPU (not run yet: env:up refuses phase 2)",
    beforeDeploy: async ({ stack, logicalId, account }) => {
      const id = stableId(32, stack.stackName, logicalId);
      const arn = `arn:aws:autoscaling:${stack.region}:${account}:scalingPolicy:${id}:autoScalingGroupName/${stack.stackName}:policyName/${logicalId}`;
      return { ref: arn, attributes: { Arn: arn, PolicyName: logicalId } };
    },
  },
];
