import { startEdgeVariant, type EdgeVariant } from "../twin/edge-variant.ts";
import type { Environment } from "../twin/environment.ts";

export type { EdgeVariant } from "../twin/edge-variant.ts";

/**
 * A second edge with the seed's distribution: error responses mapped for 404 only (the twin's maps 403
 * too), in front of the same bucket, on its own address. Stop it when done.
 */
export function startSeedEdge(environment: Environment): Promise<EdgeVariant> {
  return startEdgeVariant(environment, "seed", (config) => ({
    ...config,
    errorResponses: config.errorResponses.filter((response) => response.errorCode === 404),
  }));
}
