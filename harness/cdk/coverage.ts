import type { StackArtifact } from "./cloud-assembly.ts";
import type { Coverage } from "./stand-in-entry.ts";
import { STAND_IN_REGISTRY } from "./stand-in-registry.ts";

export type { Coverage };

export interface CoverageRow {
  readonly stack: string;
  readonly logicalId: string;
  readonly type: string;
  readonly coverage: Coverage;
  readonly how: string;
}

/** How one type is provided: the registry's entry first, then the emulator's own engine. */
function classify(type: string, emulatorTypes: ReadonlySet<string>): Pick<CoverageRow, "coverage" | "how"> {
  const entry = STAND_IN_REGISTRY.get(type);
  if (entry && entry.coverage !== "emulator") return { coverage: entry.coverage, how: entry.how };
  if (emulatorTypes.has(type.toLowerCase()))
    return { coverage: "emulator", how: entry?.how ?? "LocalStack CloudFormation" };
  return { coverage: "unsupported", how: "neither LocalStack community nor the harness provides this type" };
}

/**
 * Classifies every resource of every stack, from the stand-in registry. `emulatorTypes` is what the
 * emulator's CloudFormation engine implements, read from the running emulator (lower-case type names).
 */
export function classifyResources(
  stacks: readonly StackArtifact[],
  emulatorTypes: ReadonlySet<string>,
): CoverageRow[] {
  return stacks.flatMap((stack) =>
    Object.entries(stack.template.Resources).map(([logicalId, resource]) => ({
      stack: stack.stackName,
      logicalId,
      type: resource.Type,
      ...classify(resource.Type, emulatorTypes),
    })),
  );
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
