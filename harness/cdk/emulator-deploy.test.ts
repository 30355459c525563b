import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DeployError, deployToEmulator, describeDeployFailure } from "./emulator-deploy.ts";

describe("deployToEmulator on bad input", () => {
  it("fails at once, naming the endpoint, when no emulator answers there", async () => {
    const attempt = deployToEmulator({
      endpoint: "http://127.0.0.1:9",
      emulatorTypes: new Set(),
      workDir: mkdtempSync(join(tmpdir(), "deploy-")),
      phase: 1,
      operatorCidr: "198.51.100.10/32",
    });
    await expect(attempt).rejects.toThrow(DeployError);
    await expect(attempt).rejects.toThrow(/the emulator does not answer at http:\/\/127\.0\.0\.1:9/);
  });
});

describe("describeDeployFailure", () => {
  it("names the failed resources and their reasons", () => {
    const output = [
      "ThreadcastBackend | 3/40 | 12:00:01 | CREATE_IN_PROGRESS | AWS::EC2::VPC | Network/Vpc",
      "ThreadcastBackend | 4/40 | 12:00:02 | CREATE_FAILED | AWS::EC2::Subnet | Network/Vpc/publicSubnet1 (Subnet) The CIDR '10.0.1.0/24' conflicts",
      "ThreadcastBackend | 5/40 | 12:00:02 | CREATE_FAILED | AWS::EC2::RouteTable | Resource creation cancelled",
    ].join("\n");
    expect(describeDeployFailure(output)).toBe(
      "a stack failed to deploy to the emulator:\nThreadcastBackend | 4/40 | 12:00:02 | CREATE_FAILED | AWS::EC2::Subnet | Network/Vpc/publicSubnet1 (Subnet) The CIDR '10.0.1.0/24' conflicts",
    );
  });
});
