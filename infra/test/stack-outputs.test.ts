import { describe, expect, it } from "vitest";
import { BACKEND_OUTPUTS, FRONTEND_OUTPUTS, STACK_NAMES } from "../lib/stack-outputs.ts";
import { synth } from "./synth.ts";

const PHASE_1_ONLY = [BACKEND_OUTPUTS.apiInstanceId, BACKEND_OUTPUTS.apiPublicIp];
const BALANCED_ONLY = [
  BACKEND_OUTPUTS.apiLoadBalancerDnsName,
  BACKEND_OUTPUTS.apiLoadBalancerSecurityGroupId,
  BACKEND_OUTPUTS.brokerStompEndpoint,
  BACKEND_OUTPUTS.brokerSecretArn,
  BACKEND_OUTPUTS.brokerSecurityGroupId,
];

describe("the stack-output contract", () => {
  it("names the stacks the app creates", () => {
    const { backend, frontend } = synth(1);
    expect([backend.stackName, frontend.stackName]).toEqual([STACK_NAMES.backend, STACK_NAMES.frontend]);
  });

  it.each([1, 2, 3] as const)("is exactly what phase %i's stacks declare", (phase) => {
    const { backendTemplate, frontendTemplate } = synth(phase);
    const absent: readonly string[] = phase === 1 ? BALANCED_ONLY : PHASE_1_ONLY;
    const backend = Object.values(BACKEND_OUTPUTS).filter((name) => !absent.includes(name));
    expect(Object.keys(backendTemplate.toJSON().Outputs as object).sort()).toEqual([...backend].sort());
    expect(Object.keys(frontendTemplate.toJSON().Outputs as object).sort()).toEqual(
      Object.values(FRONTEND_OUTPUTS).sort(),
    );
  });
});
