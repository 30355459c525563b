import { emulatorClients } from "../cdk/emulator-clients.ts";
import type { Environment } from "../twin/environment.ts";
import { readSecurityGroups, type SecurityGroup } from "../twin/security-groups.ts";

// The twin's own model of a security group, which a replay compares the probes against: scenarios take it
// from here so they depend on the drills, not on where harness/twin keeps it.
export {
  admittingRule,
  cidrContains,
  describeRule,
  policyFindings,
  type SecurityGroup,
} from "../twin/security-groups.ts";

/** Both security groups (the instance's, the database's) as deployed to the emulator, with their rules. */
export function deployedSecurityGroups(environment: Environment): Promise<SecurityGroup[]> {
  const ec2 = emulatorClients(environment.emulator.endpoint, environment.securityGroups.region).ec2;
  return readSecurityGroups(ec2, [environment.securityGroups.api, environment.securityGroups.database]);
}
