import * as s3 from "aws-cdk-lib/aws-s3";
import { describe, expect, it } from "vitest";
import { createThreadcastApp } from "../lib/threadcast-app.ts";
import { TEST_CONTEXT } from "./synth.ts";

describe("cdk-nag (AwsSolutions)", () => {
  it.each(["1", "2", "3"])("passes phase %s with every accepted finding acknowledged", (phase) => {
    const { app } = createThreadcastApp({ context: { ...TEST_CONTEXT, phase } }, {});
    expect(() => app.synth()).not.toThrow();
  });

  it("fails synthesis on a finding nobody acknowledged", () => {
    const { app, frontend } = createThreadcastApp({ context: { ...TEST_CONTEXT } }, {});
    new s3.Bucket(frontend, "CarelessBucket");
    expect(() => app.synth()).toThrow(
      /CarelessBucket[\s\S]*AwsSolutions-S1|AwsSolutions-S1[\s\S]*CarelessBucket/,
    );
  });
});
