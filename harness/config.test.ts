import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.ts";
import { ConfigError } from "./errors.ts";

describe("loadConfig", () => {
  it("defaults to automatic image resolution and automatic installs", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      images: "auto",
      autoInstall: "auto",
      localstackImage: undefined,
      localstackAuthToken: undefined,
    });
    expect(config.stateDir.endsWith("/.harness")).toBe(true);
  });

  it("reads every HARNESS_ variable", () => {
    const config = loadConfig({
      HARNESS_IMAGES: "upstream",
      HARNESS_AUTO_INSTALL: "never",
      HARNESS_STATE_DIR: "/tmp/harness-state",
      HARNESS_LOCALSTACK_IMAGE: "localstack/localstack:2026.3.0",
      LOCALSTACK_AUTH_TOKEN: "ls-secret",
      DOCKER_HOST: "unix:///run/user/1000/docker.sock",
    });
    expect(config).toMatchObject({
      images: "upstream",
      autoInstall: "never",
      stateDir: "/tmp/harness-state",
      localstackImage: "localstack/localstack:2026.3.0",
      localstackAuthToken: "ls-secret",
      dockerHost: "unix:///run/user/1000/docker.sock",
    });
  });

  it("rejects a value outside the allowed set and lists the allowed ones", () => {
    expect(() => loadConfig({ HARNESS_IMAGES: "remote" })).toThrow(ConfigError);
    expect(() => loadConfig({ HARNESS_IMAGES: "remote" })).toThrow(/auto, upstream, local/);
  });

  it("rejects a LocalStack image override together with local-only builds", () => {
    expect(() =>
      loadConfig({ HARNESS_IMAGES: "local", HARNESS_LOCALSTACK_IMAGE: "localstack/localstack:4.14.0" }),
    ).toThrow(/HARNESS_IMAGES=local/);
  });

  it("rejects a build CA file that does not exist", () => {
    expect(() => loadConfig({ HARNESS_BUILD_CA_FILE: "/nonexistent/ca.pem" })).toThrow(/does not exist/);
  });

  it("runs phase 1 unless HARNESS_PHASE names another phase, and refuses one the stacks do not have", () => {
    expect(loadConfig({}).phase).toBe(1);
    expect(loadConfig({ HARNESS_PHASE: "2" }).phase).toBe(2);
    expect(() => loadConfig({ HARNESS_PHASE: "4" })).toThrow(/phase 4 .* is not a phase of the architecture/);
  });

  it("runs the group's clock at AWS's pace unless HARNESS_TIME_SCALE speeds it up, from 1 to 600 times", () => {
    expect(loadConfig({}).timeScale).toBe(1);
    expect(loadConfig({ HARNESS_TIME_SCALE: "12.5" }).timeScale).toBe(12.5);
    for (const bad of ["0.5", "601", "fast"])
      expect(() => loadConfig({ HARNESS_TIME_SCALE: bad })).toThrow(
        `HARNESS_TIME_SCALE=${bad} is not a number from 1 to 600`,
      );
  });

  it("checks the seconds settings: the app's start timeout a whole number from 5, the grace positive", () => {
    expect(loadConfig({ HARNESS_APP_START_TIMEOUT: "5" }).appStartTimeoutMs).toBe(5000);
    expect(() => loadConfig({ HARNESS_APP_START_TIMEOUT: "4" })).toThrow(/whole number of seconds >= 5/);
    expect(() => loadConfig({ HARNESS_INTERRUPT_GRACE: "0" })).toThrow(
      /HARNESS_INTERRUPT_GRACE=0 is not a positive/,
    );
  });
});
