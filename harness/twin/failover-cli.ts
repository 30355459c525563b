import { loadConfig } from "../config.ts";
import { ensureEngine } from "../engine/docker-engine.ts";
import { ImageResolver } from "../images/image-resolver.ts";
import { formatMs, out, say } from "../support/progress.ts";
import { failoverDatabase } from "./database-failover.ts";
import { readEnvironment } from "./environment-state.ts";

/** The resources env:failover can fail over, as RDS's and the twin's names for them. */
const FAILOVER_TARGETS = ["database"] as const;

/** `npm run env:failover -- database`: RDS's reboot with failover on the running phase-2 twin. */
export async function envFailover(argv: readonly string[]): Promise<number> {
  const target = argv[0];
  if (argv.length !== 1 || !FAILOVER_TARGETS.includes(target as (typeof FAILOVER_TARGETS)[number])) {
    say(`env:failover takes one of: ${FAILOVER_TARGETS.join(", ")} (got: ${argv.join(" ") || "nothing"})`);
    return 64;
  }
  const config = loadConfig();
  await ensureEngine(config);
  const environment = readEnvironment(config);
  if (!environment) {
    say(`environment "${config.envName}" is not up (npm run env:up -- --phase 2 brings it up)`);
    return 3;
  }
  const netkit = await new ImageResolver(config).resolve("netkit");
  const done = await failoverDatabase(environment, netkit.reference);
  const t = done.timingsMs;
  out(
    `database failed over from ${done.from} to ${done.to}: primary stopped ${formatMs(t.stopped)}, standby promoted by ${formatMs(t.promoted)}, ${environment.database.host} moved by ${formatMs(t.endpointMoved)}; ${done.from} back as the synchronous standby in ${formatMs(t.rejoined)}; security groups applied again in ${formatMs(t.firewall)}`,
  );
  return 0;
}
