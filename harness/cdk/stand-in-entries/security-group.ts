import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  RevokeSecurityGroupEgressCommand,
} from "@aws-sdk/client-ec2";
import type { CompletedType } from "../stand-in-entry.ts";
import { ipPermission } from "./ip-permission.ts";

const ALLOW_ALL_EGRESS = JSON.stringify([{ CidrIp: "0.0.0.0/0", IpProtocol: "-1" }]);

/**
 * LocalStack 4.14's AWS::EC2::SecurityGroup creates the group but drops its inline SecurityGroupIngress
 * and SecurityGroupEgress. The harness applies them through the EC2 API, so the emulator holds exactly
 * the template's rules (the group starts with EC2's default allow-all egress, which is kept only when
 * the template asks for it).
 */
export const SECURITY_GROUP: CompletedType = {
  type: "AWS::EC2::SecurityGroup",
  coverage: "emulator",
  how: "LocalStack CloudFormation creates the group but drops its inline rules; the harness authorizes them through EC2 after the deploy",
  afterDeploy: async ({ logicalId, properties, clients, resolve }) => {
    const groupId = resolve({ Ref: logicalId });
    const ingress = (properties.SecurityGroupIngress ?? []) as Record<string, unknown>[];
    if (ingress.length > 0) {
      await clients.ec2.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: groupId,
          IpPermissions: ingress.map((rule) => ipPermission(rule, resolve)),
        }),
      );
    }
    const egress = (properties.SecurityGroupEgress ?? []) as Record<string, unknown>[];
    const wanted = JSON.stringify(egress.map(({ CidrIp, IpProtocol }) => ({ CidrIp, IpProtocol })));
    if (egress.length > 0 && !(egress.length === 1 && wanted === ALLOW_ALL_EGRESS)) {
      await clients.ec2.send(
        new RevokeSecurityGroupEgressCommand({
          GroupId: groupId,
          IpPermissions: [{ IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] }],
        }),
      );
      await clients.ec2.send(
        new AuthorizeSecurityGroupEgressCommand({
          GroupId: groupId,
          IpPermissions: egress.map((rule) => ipPermission(rule, resolve)),
        }),
      );
    }
  },
};
