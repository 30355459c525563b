import { cpSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DescribeStackResourcesCommand, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import type { StackArtifact, Template } from "./cloud-assembly.ts";
import type { CoverageRow } from "./coverage.ts";
import { EMULATOR_ACCOUNT } from "./deploy-env.ts";
import { DeployError } from "./deploy-error.ts";
import type { EmulatorClientCache } from "./emulator-client-cache.ts";
import type { EmulatorClients } from "./emulator-clients.ts";
import { STAND_IN_REGISTRY } from "./stand-in-registry.ts";
import {
  assembleProperties,
  propertyOutputs,
  withoutResources,
  type KeptReplacements,
  type Replacement,
} from "./template-rewrite.ts";

// The stand-in registry's before- and after-deploy steps, run for the resources the coverage table
// gave them: before the deploy, what must exist first (Elastic IPs, whose addresses the templates
// reference) and what references to the removed resources become; after it, what the emulator could not
// create (ingress rules, the EIP association, the database secret's connection fields) or left undone.

/** Stack name -> logical id -> what stands in for that removed resource. */
export type ReplacementsByStack = Map<string, Map<string, Replacement>>;

/**
 * The emulator's copy of the cloud assembly in `emulatorDir`: each template without the resources that
 * service APIs or stand-ins provide, references to them answered by their registry entries.
 */
export async function prepareEmulatorAssembly(
  emulator: EmulatorClientCache,
  stacks: readonly StackArtifact[],
  coverage: readonly CoverageRow[],
  assemblyDir: string,
  emulatorDir: string,
  previous: KeptReplacements = {},
): Promise<ReplacementsByStack> {
  rmSync(emulatorDir, { recursive: true, force: true });
  cpSync(assemblyDir, emulatorDir, { recursive: true });
  const byStack: ReplacementsByStack = new Map();
  for (const stack of stacks) {
    const replacements = new Map<string, Replacement>();
    const clients = emulator(stack.region);
    for (const row of coverage.filter(
      (entry) => entry.stack === stack.stackName && entry.coverage !== "emulator",
    )) {
      const resource = stack.template.Resources[row.logicalId];
      if (!resource) continue;
      const entry = STAND_IN_REGISTRY.get(row.type);
      if (!entry || entry.coverage === "emulator") throw new Error(`no stand-in value for ${row.type}`);
      const context = {
        stack,
        logicalId: row.logicalId,
        resource,
        account: EMULATOR_ACCOUNT,
        clients,
        previous: previous[stack.stackName]?.[row.logicalId],
      };
      replacements.set(row.logicalId, await entry.beforeDeploy(context));
    }
    const rewritten: Template = withPropertyOutputs(
      withoutResources(stack.template, replacements),
      stack,
      replacements,
    );
    writeFileSync(
      join(emulatorDir, stack.templateFile.slice(assemblyDir.length + 1)),
      JSON.stringify(rewritten, null, 1),
    );
    byStack.set(stack.stackName, replacements);
  }
  return byStack;
}

/** The emulator's template with outputs that evaluate the properties of the entries that ask for it. */
function withPropertyOutputs(
  template: Template,
  stack: StackArtifact,
  replacements: ReadonlyMap<string, Replacement>,
): Template {
  const outputs = { ...template.Outputs };
  for (const logicalId of replacements.keys()) {
    const resource = stack.template.Resources[logicalId];
    const entry = resource ? STAND_IN_REGISTRY.get(resource.Type) : undefined;
    if (!resource || entry?.coverage === "emulator" || entry?.evaluatesProperties !== true) continue;
    Object.assign(outputs, propertyOutputs(logicalId, resource.Properties ?? {}, replacements));
  }
  return { ...template, Outputs: outputs } as Template;
}

/** The deployed stack's outputs, by name. */
async function stackOutputs(clients: EmulatorClients, stackName: string): Promise<Record<string, string>> {
  const described = await clients.cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
  return Object.fromEntries(
    (described.Stacks?.[0]?.Outputs ?? []).map((output) => [output.OutputKey, output.OutputValue ?? ""]),
  );
}

/** Resolves a template value after the deploy: literals, and Ref/GetAtt of deployed resources. */
function resolveDeployed(value: unknown, physical: ReadonlyMap<string, string>, where: string): string {
  if (typeof value === "string" || typeof value === "number") return String(value);
  const object = value as Record<string, unknown>;
  const id =
    typeof object.Ref === "string"
      ? object.Ref
      : Array.isArray(object["Fn::GetAtt"])
        ? String(object["Fn::GetAtt"][0])
        : undefined;
  const resolved = id === undefined ? undefined : physical.get(id);
  if (resolved === undefined)
    throw new DeployError(`cannot resolve ${JSON.stringify(value)} for ${where} after the deploy`);
  return resolved;
}

/** Logical id -> physical id of every resource the emulator deployed in the stack. */
async function physicalIds(clients: EmulatorClients, stackName: string): Promise<Map<string, string>> {
  const described = await clients.cloudFormation.send(
    new DescribeStackResourcesCommand({ StackName: stackName }),
  );
  const physical = new Map<string, string>();
  for (const resource of described.StackResources ?? []) {
    if (resource.LogicalResourceId && resource.PhysicalResourceId)
      physical.set(resource.LogicalResourceId, resource.PhysicalResourceId);
  }
  return physical;
}

/**
 * Runs the registry's after-deploy steps, stack by stack. What the emulator created is completed before
 * what it could not create is made, each in template order.
 */
export async function realizeAfterDeploy(
  emulator: EmulatorClientCache,
  stacks: readonly StackArtifact[],
  coverage: readonly CoverageRow[],
  replacements: ReplacementsByStack,
): Promise<void> {
  for (const stack of stacks) {
    const clients = emulator(stack.region);
    const physical = await physicalIds(clients, stack.stackName);
    const rows = coverage.filter((row) => row.stack === stack.stackName);
    const ordered = [
      ...rows.filter((row) => row.coverage === "emulator"),
      ...rows.filter((row) => row.coverage === "service-api" || row.coverage === "stand-in"),
    ];
    const removed = replacements.get(stack.stackName) ?? new Map<string, Replacement>();
    let outputs: Promise<Record<string, string>> | undefined;
    for (const row of ordered) {
      const entry = STAND_IN_REGISTRY.get(row.type);
      if (!entry?.afterDeploy) continue;
      const where = `${stack.stackName}/${row.logicalId}`;
      const properties = stack.template.Resources[row.logicalId]?.Properties ?? {};
      const evaluates = entry.coverage !== "emulator" && entry.evaluatesProperties === true;
      if (evaluates) outputs ??= stackOutputs(clients, stack.stackName);
      await entry.afterDeploy({
        stack,
        logicalId: row.logicalId,
        properties,
        clients,
        resolve: (value) => resolveDeployed(value, physical, where),
        replacements: removed,
        ...(evaluates && outputs
          ? { evaluated: assembleProperties(row.logicalId, properties, removed, await outputs) }
          : {}),
      });
    }
  }
}
