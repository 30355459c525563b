import type { IpPermission } from "@aws-sdk/client-ec2";

/**
 * A CloudFormation ingress or egress rule (inline or standalone) as an EC2 API permission; `resolve`
 * turns the template's reference to a source or destination group into the deployed group's id.
 */
export function ipPermission(
  rule: Record<string, unknown>,
  resolve: (value: unknown) => string,
): IpPermission {
  const description = rule.Description as string | undefined;
  const group = rule.SourceSecurityGroupId ?? rule.DestinationSecurityGroupId;
  return {
    IpProtocol: String(rule.IpProtocol),
    ...(rule.FromPort !== undefined ? { FromPort: Number(rule.FromPort) } : {}),
    ...(rule.ToPort !== undefined ? { ToPort: Number(rule.ToPort) } : {}),
    ...(group !== undefined
      ? { UserIdGroupPairs: [{ GroupId: resolve(group), Description: description }] }
      : {}),
    ...(rule.CidrIp !== undefined
      ? { IpRanges: [{ CidrIp: String(rule.CidrIp), Description: description }] }
      : {}),
    ...(rule.CidrIpv6 !== undefined
      ? { Ipv6Ranges: [{ CidrIpv6: String(rule.CidrIpv6), Description: description }] }
      : {}),
  };
}
