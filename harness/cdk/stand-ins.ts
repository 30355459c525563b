import type { Replacement } from "./template-rewrite.ts";
import type { TemplateResource } from "./cloud-assembly.ts";

/** Host names of the twin's stand-in containers on its internal networks (the env:up issue uses them). */
export const TWIN_HOSTS = {
  database: "database.twin.internal",
  edge: "edge.twin.internal",
} as const;

/** The values a stand-in answers for its resource's Ref and attributes, as AWS would shape them. */
export function standInReplacement(
  type: string,
  logicalId: string,
  resource: TemplateResource,
  region: string,
  account: string,
): Replacement {
  switch (type) {
    case "AWS::RDS::DBInstance": {
      const identifier = `twin-${logicalId.toLowerCase()}`.slice(0, 63);
      return {
        ref: identifier,
        attributes: {
          "Endpoint.Address": TWIN_HOSTS.database,
          "Endpoint.Port": "5432",
          DBInstanceArn: `arn:aws:rds:${region}:${account}:db:${identifier}`,
          DbiResourceId: `db-${logicalId.toUpperCase()}`.slice(0, 32),
        },
      };
    }
    case "AWS::RDS::DBSubnetGroup":
      return { ref: `twin-${logicalId.toLowerCase()}`.slice(0, 255) };
    case "AWS::CloudFront::Distribution": {
      const id = `ETWIN${logicalId.replace(/[^A-Za-z0-9]/g, "").toUpperCase()}`.slice(0, 14);
      return { ref: id, attributes: { DomainName: TWIN_HOSTS.edge, Id: id } };
    }
    case "AWS::CloudFront::OriginAccessControl":
      return {
        ref: `twin-oac-${logicalId.toLowerCase()}`,
        attributes: { Id: `twin-oac-${logicalId.toLowerCase()}` },
      };
    case "AWS::SecretsManager::SecretTargetAttachment":
      // In AWS, Ref of an attachment is the ARN of the secret it attached to.
      return { ref: resource.Properties?.SecretId };
    case "AWS::EC2::SecurityGroupIngress":
      return { ref: `twin-ingress-${logicalId}` };
    default:
      throw new Error(`no stand-in value for ${type}`);
  }
}
