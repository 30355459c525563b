import { createHash } from "node:crypto";

/**
 * A hex id that is the same on every deploy of the same resource (its stack and logical id), as AWS keeps
 * an ARN's id for the resource's life: `length` hex digits of SHA-256 over the parts.
 */
export function stableId(length: number, ...parts: readonly string[]): string {
  return createHash("sha256").update(parts.join("/")).digest("hex").slice(0, length);
}
