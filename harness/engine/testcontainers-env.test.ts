import { describe, expect, it } from "vitest";
import { testcontainersEnv } from "./testcontainers-env.ts";

describe("testcontainersEnv", () => {
  it("points clients at the loopback address the harness publishes on, and disables Ryuk", () => {
    expect(testcontainersEnv({})).toEqual({
      TESTCONTAINERS_HOST_OVERRIDE: "127.0.0.1",
      TESTCONTAINERS_RYUK_DISABLED: "true",
    });
  });

  it("keeps what the user set", () => {
    expect(
      testcontainersEnv({
        TESTCONTAINERS_HOST_OVERRIDE: "docker.internal",
        TESTCONTAINERS_RYUK_DISABLED: "false",
      }),
    ).toEqual({
      TESTCONTAINERS_HOST_OVERRIDE: "docker.internal",
      TESTCONTAINERS_RYUK_DISABLED: "false",
    });
  });
});
