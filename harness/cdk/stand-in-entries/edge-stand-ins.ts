import type { RemovedType } from "../stand-in-entry.ts";
import { TWIN_HOSTS } from "../twin-hosts.ts";

/** The CloudFront distribution and its origin access control, played by the twin's edge container. */
export const EDGE_STAND_INS: readonly RemovedType[] = [
  {
    type: "AWS::CloudFront::Distribution",
    coverage: "stand-in",
    how: "the twin's edge container, configured from this distribution",
    beforeDeploy: async ({ logicalId }) => {
      const id = `ETWIN${logicalId.replace(/[^A-Za-z0-9]/g, "").toUpperCase()}`.slice(0, 14);
      return { ref: id, attributes: { DomainName: TWIN_HOSTS.edge, Id: id } };
    },
  },
  {
    type: "AWS::CloudFront::OriginAccessControl",
    coverage: "stand-in",
    how: "the edge reads the private bucket through the emulator's S3 API",
    beforeDeploy: async ({ logicalId }) => ({
      ref: `twin-oac-${logicalId.toLowerCase()}`,
      attributes: { Id: `twin-oac-${logicalId.toLowerCase()}` },
    }),
  },
];
