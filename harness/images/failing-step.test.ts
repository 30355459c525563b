import { describe, expect, it } from "vitest";
import { failingStep } from "./image-resolver.ts";

describe("failingStep", () => {
  it("shows the last step of a classic build log and what it printed", () => {
    const log = [
      "Step 1/3 : FROM base",
      " ---> abc",
      "Step 2/3 : RUN apt-get install -y nginx",
      " ---> Running in 123",
      "E: Unable to locate package nginxx",
      "The command '/bin/sh -c apt-get install -y nginxx' returned a non-zero code: 100",
    ].join("\n");
    const step = failingStep(log);
    expect(step.startsWith("Step 2/3 : RUN apt-get install -y nginx")).toBe(true);
    expect(step).toContain("Unable to locate package nginxx");
    expect(step).not.toContain("Step 1/3");
  });

  it("drops colour codes and the classic builder's deprecation notice", () => {
    const log = [
      "Step 3/5 : RUN exit 3",
      "\u001b[91mE: broken\u001b[0m",
      "DEPRECATED: The legacy builder is deprecated and will be removed in a future release.",
      "            BuildKit is currently disabled; enable it by removing the DOCKER_BUILDKIT=0",
      "            environment-variable.",
      "The command '/bin/sh -c exit 3' returned a non-zero code: 3",
    ].join("\n");
    expect(failingStep(log)).toBe(
      "Step 3/5 : RUN exit 3\nE: broken\nThe command '/bin/sh -c exit 3' returned a non-zero code: 3",
    );
  });

  it("falls back to the last lines when there is no step marker", () => {
    expect(failingStep("error during connect: no engine\n")).toBe("error during connect: no engine");
  });
});
