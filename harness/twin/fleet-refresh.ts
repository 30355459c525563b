import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** An instance refresh `npm run env:refresh` asked for: the EC2 instances to replace, one at a time. */
export interface RefreshRequest {
  readonly requestedAt: string;
  readonly replace: readonly string[];
}

/** The pending refresh, in the environment's directory; the controller removes it when it is done. */
const refreshFile = (dir: string) => join(dir, "refresh.json");

export function requestRefresh(dir: string, instanceIds: readonly string[]): RefreshRequest {
  const request = { requestedAt: new Date().toISOString(), replace: [...instanceIds] };
  const temporary = `${refreshFile(dir)}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(request)}\n`);
  renameSync(temporary, refreshFile(dir));
  return request;
}

export function pendingRefresh(dir: string): RefreshRequest | undefined {
  if (!existsSync(refreshFile(dir))) return undefined;
  const saved = JSON.parse(readFileSync(refreshFile(dir), "utf8")) as Partial<RefreshRequest>;
  if (!Array.isArray(saved.replace) || typeof saved.requestedAt !== "string") return undefined;
  return { requestedAt: saved.requestedAt, replace: saved.replace.filter((id) => typeof id === "string") };
}

export function finishRefresh(dir: string): void {
  rmSync(refreshFile(dir), { force: true });
}
