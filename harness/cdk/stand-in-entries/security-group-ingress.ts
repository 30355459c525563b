import { AuthorizeSecurityGroupIngressCommand } from "@aws-sdk/client-ec2";
import type { RemovedType } from "../stand-in-entry.ts";
import { ipPermission } from "./ip-permission.ts";

/** A standalone ingress rule (CDK writes one for each group-to-group rule), authorized through EC2. */
export const SECURITY_GROUP_INGRESS: RemovedType = {
  type: "AWS::EC2::SecurityGroupIngress",
  coverage: "service-api",
  how: "EC2 AuthorizeSecurityGroupIngress after the deploy",
  beforeDeploy: async ({ logicalId }) => ({ ref: `twin-ingress-${logicalId}` }),
  afterDeploy: async ({ properties, clients, resolve }) => {
    await clients.ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: resolve(properties.GroupId),
        IpPermissions: [ipPermission(properties, resolve)],
      }),
    );
  },
};
