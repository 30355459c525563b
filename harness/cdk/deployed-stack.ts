import type { DeployedOutputs, StackOutput } from "../../infra/lib/stack-outputs.ts";
import { HarnessError } from "../errors.ts";
import type { StackArtifact } from "./cloud-assembly.ts";

/** A stack of the cloud assembly with the outputs its deploy wrote, typed by the stack's output contract. */
export interface DeployedStack<Name extends StackOutput> {
  readonly stack: StackArtifact;
  readonly outputs: DeployedOutputs<Name>;
}

export class StackOutputError extends HarnessError {}

/** The stack named `stackName` (infra/lib's STACK_NAMES) with its deployed outputs. */
export function deployedStack<Name extends StackOutput>(
  stacks: readonly StackArtifact[],
  outputs: Readonly<Record<string, Readonly<Record<string, string>>>>,
  stackName: string,
): DeployedStack<Name> {
  const stack = stacks.find((candidate) => candidate.stackName === stackName);
  if (!stack) {
    const found = stacks.map((candidate) => candidate.stackName).join(", ") || "none";
    throw new StackOutputError(`the cloud assembly has no stack ${stackName} (it has: ${found})`);
  }
  return { stack, outputs: (outputs[stackName] ?? {}) as DeployedOutputs<Name> };
}

/** An output the harness cannot do without: missing or empty is an error naming the stack and output. */
export function requiredOutput<Name extends StackOutput>(deployed: DeployedStack<Name>, name: Name): string {
  const value = deployed.outputs[name];
  if (value === undefined || value === "")
    throw new StackOutputError(`the stack ${deployed.stack.stackName} has no output ${name}`);
  return value;
}
