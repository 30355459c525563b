import { describe, expect, it } from "vitest";
import { emulatorDeployEnv } from "./deploy-env.ts";

const HOST = {
  PATH: "/usr/bin",
  HOME: "/root",
  AWS_PROFILE: "production",
  AWS_ACCESS_KEY_ID: "AKIAREALKEY",
  AWS_SECRET_ACCESS_KEY: "real-secret",
  AWS_SESSION_TOKEN: "real-token",
  AWS_ROLE_ARN: "arn:aws:iam::111111111111:role/deployer",
  CDK_DEFAULT_ACCOUNT: "111111111111",
  SOMETHING_ELSE: "x",
};

describe("emulatorDeployEnv", () => {
  it("keeps nothing of the host's AWS settings and points every endpoint at the emulator", () => {
    const env = emulatorDeployEnv("http://127.0.0.1:45666", "ap-northeast-2", HOST);
    expect(env).toMatchObject({
      PATH: "/usr/bin",
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      AWS_ENDPOINT_URL: "http://127.0.0.1:45666",
      AWS_ENDPOINT_URL_S3: "http://127.0.0.1:45666",
      AWS_CONFIG_FILE: "/dev/null",
      AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
      CDK_DEFAULT_ACCOUNT: "000000000000",
      AWS_REGION: "ap-northeast-2",
    });
    for (const leaked of ["AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ROLE_ARN", "SOMETHING_ELSE"]) {
      expect(env).not.toHaveProperty(leaked);
    }
    expect(JSON.stringify(env)).not.toMatch(/AKIAREALKEY|real-secret|111111111111/);
  });

  it.each([
    "https://cloudformation.ap-northeast-2.amazonaws.com",
    "http://10.0.0.5:4566",
    "http://aws.twin.internal.example.com:4566",
    "http://127.0.0.1.nip.io:4566",
    "not a url",
  ])("refuses a non-loopback endpoint: %s", (endpoint) => {
    expect(() => emulatorDeployEnv(endpoint, "us-east-1", HOST)).toThrow(/refusing to deploy|is not a URL/);
  });

  it("addresses S3 as s3.<host> inside the twin, so virtual-host bucket names reach the emulator as S3", () => {
    expect(emulatorDeployEnv("http://aws.twin.internal:4566", "us-east-1", HOST).AWS_ENDPOINT_URL_S3).toBe(
      "http://s3.aws.twin.internal:4566",
    );
    expect(emulatorDeployEnv("http://127.0.0.1:4566", "us-east-1", HOST).AWS_ENDPOINT_URL_S3).toBe(
      "http://127.0.0.1:4566",
    );
  });

  it.each(["http://127.88.93.3:4566", "http://localhost:4566", "http://aws.twin.internal:4566"])(
    "accepts the emulator on loopback or on the twin's own network: %s",
    (endpoint) => {
      expect(emulatorDeployEnv(endpoint, "us-east-1", HOST).AWS_ENDPOINT_URL).toBe(endpoint);
    },
  );
});
