import { describe, expect, it } from "vitest";
import { loadConfig } from "../config.ts";
import { controllerSettings } from "./controller-process.ts";

describe("controllerSettings", () => {
  it("hands the controller the configuration env:up ran with, whatever this process's env says", () => {
    const config = {
      ...loadConfig({}),
      phase: 2 as const,
      timeScale: 10,
      appJar: "/srv/release/app.jar",
      appEnvFile: "/srv/release/extra.env",
      appEnvOverride: true,
      appStartTimeoutMs: 240_000,
    };
    const seen = loadConfig(controllerSettings(config));
    expect(seen).toMatchObject({
      phase: 2,
      timeScale: 10,
      appJar: "/srv/release/app.jar",
      appDir: undefined,
      appEnvFile: "/srv/release/extra.env",
      appEnvOverride: true,
      appStartTimeoutMs: 240_000,
    });
  });

  it("leaves out the release settings env:up did not have", () => {
    const settings = controllerSettings(loadConfig({}));
    expect(Object.keys(settings)).not.toContain("HARNESS_APP_JAR");
    expect(settings).toMatchObject({
      HARNESS_PHASE: "1",
      HARNESS_TIME_SCALE: "1",
      HARNESS_APP_ENV_OVERRIDE: "0",
    });
  });
});
