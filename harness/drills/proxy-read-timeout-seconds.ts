import { readFileSync } from "node:fs";
import { INSTANCE_FILE_PATHS } from "../../infra/lib/constructs/api-user-data.ts";

/** The proxy's idle timeout for upstream reads, from the nginx configuration the instance runs. */
export function proxyReadTimeoutSeconds(): number {
  const match = readFileSync(INSTANCE_FILE_PATHS.nginxConf, "utf8").match(/proxy_read_timeout\s+(\d+)s;/);
  if (!match?.[1]) throw new Error("nginx-api.conf sets no proxy_read_timeout");
  return Number(match[1]);
}
