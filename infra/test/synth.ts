import { Template } from "aws-cdk-lib/assertions";
import { createThreadcastApp, type ThreadcastApp } from "../lib/threadcast-app.ts";

export const TEST_CONTEXT = {
  operatorCidr: "203.0.113.7/32",
  hostedZoneId: "Z0123456789ABCDEFGHIJ",
  account: "123456789012",
} as const;

export interface Synthesized extends ThreadcastApp {
  readonly backendTemplate: Template;
  readonly frontendTemplate: Template;
}

const cache = new Map<string, Synthesized>();

/** The app for one phase, synthesized once per test file (cdk-nag runs as part of synthesis). */
export function synth(phase: 1 | 2 | 3): Synthesized {
  const key = String(phase);
  let hit = cache.get(key);
  if (!hit) {
    const built = createThreadcastApp({ context: { ...TEST_CONTEXT, phase: key } }, {});
    hit = {
      ...built,
      backendTemplate: Template.fromStack(built.backend),
      frontendTemplate: Template.fromStack(built.frontend),
    };
    cache.set(key, hit);
  }
  return hit;
}

/** The literal text of a synthesized user data (Fn::Base64 of Fn::Join), with tokens shown as «token». */
export function userDataText(userData: unknown): string {
  const join = (userData as { "Fn::Base64": { "Fn::Join": [string, unknown[]] } })["Fn::Base64"]["Fn::Join"];
  return join[1].map((part) => (typeof part === "string" ? part : "«token»")).join(join[0]);
}
