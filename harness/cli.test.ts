import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "./config.ts";

function cli(args: string[], env: Record<string, string>) {
  const result = spawnSync(
    join(REPO_ROOT, "node_modules", ".bin", "tsx"),
    [join(REPO_ROOT, "harness", "cli.ts"), ...args],
    {
      env: { ...process.env, ...env },
      encoding: "utf8",
      timeout: 60_000,
    },
  );
  return { code: result.status, stderr: result.stderr, stdout: result.stdout };
}

describe("the harness CLI on bad input", () => {
  it("refuses a phase env:up cannot bring up before it starts anything, and an option it does not take", () => {
    const phase = cli(["up", "--phase", "3"], { HARNESS_ENV: "cli-phase-test" });
    expect(phase.code).toBe(1);
    expect(phase.stderr).toContain("error: the twin cannot run phase 3 yet");
    const unknown = cli(["up", "--phse", "2"], {});
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toContain("env:up takes only --phase N");
  });

  it("stops with the variable's name and the allowed values when a setting is invalid", () => {
    const result = cli(["images"], { HARNESS_IMAGES: "sometimes" });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("error: HARNESS_IMAGES=sometimes is not one of auto, upstream, local");
    expect(result.stderr).toContain("fix: ");
  });

  it("does not install an engine when DOCKER_HOST names one that does not answer, and says what to do", () => {
    const result = cli(["engine"], { DOCKER_HOST: "unix:///nonexistent/harness-test.sock" });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /error: DOCKER_HOST=unix:\/\/\/nonexistent\/harness-test\.sock does not answer/,
    );
    expect(result.stderr).toMatch(/fix: start the engine DOCKER_HOST points at, or unset DOCKER_HOST/);
    expect(result.stderr).not.toMatch(/installing docker\.io/);
  });

  it("rejects an unknown command with usage and exit code 64", () => {
    const result = cli(["deploy-everything"], {});
    expect(result.code).toBe(64);
    expect(result.stderr).toContain("usage:");
  });
});
