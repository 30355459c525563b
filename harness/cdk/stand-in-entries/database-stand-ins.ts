import type { RemovedType } from "../stand-in-entry.ts";
import { TWIN_HOSTS } from "../twin-hosts.ts";

/** The database and its subnet group, played by the twin's PostgreSQL container and private network. */
export const DATABASE_STAND_INS: readonly RemovedType[] = [
  {
    type: "AWS::RDS::DBInstance",
    coverage: "stand-in",
    how: "the twin's PostgreSQL container, on the internal private network only",
    beforeDeploy: async ({ logicalId, stack, account }) => {
      const identifier = `twin-${logicalId.toLowerCase()}`.slice(0, 63);
      return {
        ref: identifier,
        attributes: {
          "Endpoint.Address": TWIN_HOSTS.database,
          "Endpoint.Port": "5432",
          DBInstanceArn: `arn:aws:rds:${stack.region}:${account}:db:${identifier}`,
          DbiResourceId: `db-${logicalId.toUpperCase()}`.slice(0, 32),
        },
      };
    },
  },
  {
    type: "AWS::RDS::DBSubnetGroup",
    coverage: "stand-in",
    how: "the twin's internal private network (the private subnets)",
    beforeDeploy: async ({ logicalId }) => ({ ref: `twin-${logicalId.toLowerCase()}`.slice(0, 255) }),
  },
];
