import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect } from "vitest";
import { REPO_ROOT } from "../harness/config.ts";
import { foreignCaFile } from "../harness/drills/foreign-ca-file.ts";
import { runRepoScript } from "../harness/drills/run-repo-script.ts";
import type { Environment } from "../harness/twin/environment.ts";
import { test } from "./support/scenario-test.ts";

/** `npm run smoke` against the twin as if it were a deployment: only names, a CA and URLs are given. */
describe("smoke mode, with the twin as the target", () => {
  const resolveArgs = (twin: Environment) =>
    Object.entries(twin.hosts).flatMap(([host, address]) => ["--resolve", `${host}=${address}`]);
  const targetArgs = (twin: Environment) => [
    "--target",
    `${twin.urls.site.replace(/\/$/, "")},${twin.urls.api.replace(/\/api$/, "")}`,
  ];

  const smoke = (args: string[], env: Record<string, string> = {}) =>
    runRepoScript("scenarios/smoke/cli.ts", args, { CI: "", ...env });
  const junit = () => {
    const suites =
      readFileSync(join(REPO_ROOT, "reports", "smoke-junit.xml"), "utf8").match(/<testsuites [^>]*>/)?.[0] ??
      "";
    const attr = (name: string) => Number(suites.match(new RegExp(` ${name}="(\\d+)"`))?.[1] ?? Number.NaN);
    return { tests: attr("tests"), failures: attr("failures") + attr("errors") };
  };

  test("passes every read-only check, reporting them as JUnit", async ({ twin }) => {
    const result = await smoke([...targetArgs(twin), ...resolveArgs(twin), "--ca", twin.caFile]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(junit()).toMatchObject({ failures: 0 });
    expect(junit().tests).toBeGreaterThan(10);
  }, 120_000);

  test("writes only with --write and a test account, and then passes the write checks", async ({
    twin,
    api,
  }) => {
    const account = await api.register("Smoke Account");
    const refused = await smoke([...targetArgs(twin), ...resolveArgs(twin), "--ca", twin.caFile, "--write"]);
    expect(refused.code).toBe(64);
    expect(refused.stderr).toMatch(/--write needs the test account in SMOKE_EMAIL and SMOKE_PASSWORD/);
    const result = await smoke([...targetArgs(twin), ...resolveArgs(twin), "--ca", twin.caFile, "--write"], {
      SMOKE_EMAIL: account.email,
      SMOKE_PASSWORD: account.password,
    });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/write\.smoke\.test\.ts/);
  }, 120_000);

  test("fails fast, with the reason, against a target that does not answer", async ({ twin }) => {
    const nowhere = Object.keys(twin.hosts).flatMap((host) => ["--resolve", `${host}=127.88.255.254`]);
    const started = Date.now();
    const result = await smoke([...targetArgs(twin), ...nowhere]);
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).toMatch(/ECONNREFUSED 127\.88\.255\.254:443/);
    expect(Date.now() - started).toBeLessThan(60_000);
  }, 120_000);

  test("fails with a certificate error when given the wrong CA", async ({ twin }) => {
    const other = await foreignCaFile("Some other CA");
    const result = await smoke([...targetArgs(twin), ...resolveArgs(twin), "--ca", other]);
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).toMatch(
      /self-signed certificate in certificate chain|unable to verify/,
    );
  }, 120_000);

  test("refuses bad arguments with the usage and exit code 64", async () => {
    const result = await smoke(["--target", "http://threadcast.io"]);
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/usage: npm run smoke/);
  });
});
