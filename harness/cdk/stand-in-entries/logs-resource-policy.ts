import { PutResourcePolicyCommand } from "@aws-sdk/client-cloudwatch-logs";
import { DeployError } from "../deploy-error.ts";
import type { RemovedType } from "../stand-in-entry.ts";

/**
 * A CloudWatch Logs resource policy (the one that lets Amazon MQ write its broker's logs). LocalStack
 * community's CloudFormation has no type for it; its Logs API takes the policy as the template states
 * it, with the template's functions evaluated first.
 */
export const LOGS_RESOURCE_POLICY: RemovedType = {
  type: "AWS::Logs::ResourcePolicy",
  coverage: "service-api",
  how: "CloudWatch Logs PutResourcePolicy after the deploy, with the document as the emulator evaluated it",
  evaluatesProperties: true,
  // In AWS, Ref of a resource policy is its name.
  beforeDeploy: async ({ resource, logicalId }) => ({ ref: resource.Properties?.PolicyName ?? logicalId }),
  afterDeploy: async ({ logicalId, clients, evaluated }) => {
    const name = evaluated?.PolicyName;
    const document = evaluated?.PolicyDocument;
    if (typeof name !== "string" || typeof document !== "string")
      throw new DeployError(`${logicalId}: the emulator evaluated no policy name and document for it`);
    await clients.logs.send(new PutResourcePolicyCommand({ policyName: name, policyDocument: document }));
  },
};
