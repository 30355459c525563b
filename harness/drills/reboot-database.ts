import { loadConfig } from "../config.ts";
import { ImageResolver } from "../images/image-resolver.ts";
import type { Environment } from "../twin/environment.ts";
import { rebootStandIn } from "../twin/firewall.ts";

/**
 * Reboots the database as RDS does: its container restarts, and its security group is applied again
 * afterwards (a bare restart would leave it without its firewall).
 */
export async function rebootDatabase(environment: Environment): Promise<void> {
  await rebootStandIn(
    environment,
    "database",
    (await new ImageResolver(loadConfig()).resolve("netkit")).reference,
  );
}
