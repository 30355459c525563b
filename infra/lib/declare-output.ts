import { CfnOutput, type Stack } from "aws-cdk-lib";
import type { StackOutput } from "./stack-outputs.ts";

/** Declares one of the contract's outputs on a stack. */
export function declareOutput(stack: Stack, name: StackOutput, value: string): CfnOutput {
  return new CfnOutput(stack, name, { value });
}
