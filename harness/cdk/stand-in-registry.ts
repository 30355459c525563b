import { BROKER_STAND_IN } from "./stand-in-entries/broker-stand-in.ts";
import { DATABASE_STAND_INS } from "./stand-in-entries/database-stand-ins.ts";
import { EDGE_STAND_INS } from "./stand-in-entries/edge-stand-ins.ts";
import { ELASTIC_IP } from "./stand-in-entries/elastic-ip.ts";
import { FLEET_STAND_INS } from "./stand-in-entries/fleet-stand-ins.ts";
import { LAUNCH_TEMPLATE } from "./stand-in-entries/launch-template.ts";
import { LOGS_RESOURCE_POLICY } from "./stand-in-entries/logs-resource-policy.ts";
import { LOAD_BALANCER_STAND_INS } from "./stand-in-entries/load-balancer-stand-ins.ts";
import { SECRET_TARGET_ATTACHMENT } from "./stand-in-entries/secret-target-attachment.ts";
import { SECURITY_GROUP } from "./stand-in-entries/security-group.ts";
import { SECURITY_GROUP_INGRESS } from "./stand-in-entries/security-group-ingress.ts";
import type { StandInEntry } from "./stand-in-entry.ts";

function byType(entries: readonly StandInEntry[]): ReadonlyMap<string, StandInEntry> {
  const registry = new Map<string, StandInEntry>();
  for (const entry of entries) {
    // Two entries for one type would leave which one runs to the order of this list.
    if (registry.has(entry.type)) throw new Error(`the stand-in registry has ${entry.type} twice`);
    registry.set(entry.type, entry);
  }
  return registry;
}

/**
 * Every CloudFormation type the twin provides beyond what the emulator's CloudFormation creates, by
 * type. The coverage table, the emulator's copy of the templates and the service-API calls before and
 * after the deploy all read this: teaching the harness a type is one entry here (and its module).
 */
export const STAND_IN_REGISTRY: ReadonlyMap<string, StandInEntry> = byType([
  ELASTIC_IP,
  SECURITY_GROUP,
  SECURITY_GROUP_INGRESS,
  SECRET_TARGET_ATTACHMENT,
  ...DATABASE_STAND_INS,
  ...EDGE_STAND_INS,
  LAUNCH_TEMPLATE,
  ...LOAD_BALANCER_STAND_INS,
  ...FLEET_STAND_INS,
  BROKER_STAND_IN,
  LOGS_RESOURCE_POLICY,
]);
