import type { StackArtifact } from "./cloud-assembly.ts";

/**
 * How the twin provides a resource of the synthesized templates:
 * - `emulator`: LocalStack's CloudFormation engine creates it;
 * - `service-api`: its CloudFormation type is missing (or cannot work) in LocalStack community, so the
 *   harness removes it from the emulator's copy of the template and makes it through the service's API;
 * - `stand-in`: a container of the twin plays it (the template's copy is removed, references get the
 *   stand-in's values);
 * - `unsupported`: none of the above; the deploy refuses to start.
 */
export type Coverage = "emulator" | "service-api" | "stand-in" | "unsupported";

export interface CoverageRow {
  readonly stack: string;
  readonly logicalId: string;
  readonly type: string;
  readonly coverage: Coverage;
  readonly how: string;
}

/** Types the harness makes through the emulator's service APIs, and how. */
export const SERVICE_API: Readonly<Record<string, string>> = {
  "AWS::EC2::EIP": "EC2 AllocateAddress before the deploy, AssociateAddress with the instance after it",
  "AWS::EC2::SecurityGroupIngress": "EC2 AuthorizeSecurityGroupIngress after the deploy",
  "AWS::SecretsManager::SecretTargetAttachment":
    "Secrets Manager PutSecretValue adds host, port, dbname and engine after the deploy (its target, the RDS instance, is a stand-in)",
};

/** Types LocalStack creates while ignoring some of their properties, and how the harness completes them. */
export const COMPLETED_BY_HARNESS: Readonly<Record<string, string>> = {
  "AWS::EC2::SecurityGroup":
    "LocalStack CloudFormation creates the group but drops its inline rules; the harness authorizes them through EC2 after the deploy",
};

/** Types the twin's containers stand in for. */
export const STAND_INS: Readonly<Record<string, string>> = {
  "AWS::RDS::DBInstance": "the twin's PostgreSQL container, on the internal private network only",
  "AWS::RDS::DBSubnetGroup": "the twin's internal private network (the private subnets)",
  "AWS::CloudFront::Distribution": "the twin's edge container, configured from this distribution",
  "AWS::CloudFront::OriginAccessControl": "the edge reads the private bucket through the emulator's S3 API",
};

/**
 * Classifies every resource of every stack. `emulatorTypes` is what the emulator's CloudFormation
 * engine implements, read from the running emulator (lower-case type names).
 */
export function classifyResources(
  stacks: readonly StackArtifact[],
  emulatorTypes: ReadonlySet<string>,
): CoverageRow[] {
  const rows: CoverageRow[] = [];
  for (const stack of stacks) {
    for (const [logicalId, resource] of Object.entries(stack.template.Resources)) {
      const type = resource.Type;
      const serviceApi = SERVICE_API[type];
      const standIn = STAND_INS[type];
      const row = (coverage: Coverage, how: string): CoverageRow => ({
        stack: stack.stackName,
        logicalId,
        type,
        coverage,
        how,
      });
      if (serviceApi) rows.push(row("service-api", serviceApi));
      else if (standIn) rows.push(row("stand-in", standIn));
      else if (emulatorTypes.has(type.toLowerCase()))
        rows.push(row("emulator", COMPLETED_BY_HARNESS[type] ?? "LocalStack CloudFormation"));
      else rows.push(row("unsupported", "neither LocalStack community nor the harness provides this type"));
    }
  }
  return rows;
}

/** The coverage table as aligned text, one line per resource type and stack, with counts. */
export function formatCoverage(rows: readonly CoverageRow[]): string {
  const groups = new Map<string, { row: CoverageRow; count: number }>();
  for (const row of rows) {
    const key = `${row.stack}\u0000${row.type}`;
    const group = groups.get(key);
    if (group) group.count += 1;
    else groups.set(key, { row, count: 1 });
  }
  const lines = [...groups.values()]
    .sort(
      (a, b) =>
        a.row.stack.localeCompare(b.row.stack) ||
        a.row.coverage.localeCompare(b.row.coverage) ||
        a.row.type.localeCompare(b.row.type),
    )
    .map(
      ({ row, count }) =>
        `${row.stack.padEnd(20)} ${row.type.padEnd(44)} ${String(count).padStart(3)}  ${row.coverage.padEnd(11)} ${row.how}`,
    );
  return [
    `${"stack".padEnd(20)} ${"type".padEnd(44)} ${"n".padStart(3)}  ${"coverage".padEnd(11)} how`,
    ...lines,
  ].join("\n");
}
