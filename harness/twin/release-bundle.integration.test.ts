import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { loadConfig } from "../config.ts";
import { buildReferenceJar } from "../reference-builds/backend-jar.ts";
import { cli, leftovers } from "../testing/env-cli.ts";
import { containerNameOf } from "./identity.ts";

const suffix = process.pid.toString(36);
const RELEASE_FILE = "threadcast-release.yml";
/** A tracker's ingest URL (a name no zone of the twin holds) and a relay by address (TEST-NET-3). */
const TRACKER = "https://o4711.ingest.tracker.example/api/1/envelope/";
const RELAY = "https://203.0.113.7:8443/relay";

/**
 * The reference backend made to need a file beside it, as a team's release does: a classpath
 * config/application.properties importing ./threadcast-release.yml (a mandatory import: without the
 * file in the working directory, Spring Boot refuses to start). `jar uf` keeps the nested jars stored.
 */
function releaseVariant(referenceJar: string, dir: string): string {
  const jar = join(dir, "threadcast-api-variant.jar");
  copyFileSync(referenceJar, jar);
  const classes = join(dir, "entry", "BOOT-INF", "classes", "config");
  mkdirSync(classes, { recursive: true });
  writeFileSync(join(classes, "application.properties"), `spring.config.import=file:./${RELEASE_FILE}\n`);
  const javaHome = process.env.JAVA_HOME;
  const jarTool = javaHome ? join(javaHome, "bin", "jar") : "jar";
  execFileSync(jarTool, [
    "uf",
    jar,
    "-C",
    join(dir, "entry"),
    "BOOT-INF/classes/config/application.properties",
  ]);
  return jar;
}

const inApp = (name: string, ...command: string[]) =>
  execFileSync("docker", ["exec", containerNameOf(name, "app"), ...command], { encoding: "utf8" });
/** As the unit's user: only it (or CAP_SYS_PTRACE, which the container lacks) may read the JVM's environment. */
const asUnitUser = (name: string, ...command: string[]) =>
  execFileSync("docker", ["exec", "-u", "threadcast", containerNameOf(name, "app"), ...command], {
    encoding: "utf8",
  });

describe("a release bundle and extra settings, laid as a release pipeline lays them", () => {
  const names = {
    twoJars: `rbj-${suffix}`,
    bare: `rba-${suffix}`,
    bundle: `rbb-${suffix}`,
    refused: `rbc-${suffix}`,
  };
  let dir = "";
  let variant = "";

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "release-bundle-"));
    const reference = await buildReferenceJar(
      loadConfig(),
      inject("images").postgres as string,
      inject("runOwner"),
    );
    variant = releaseVariant(reference.path, dir);
  });

  afterAll(async () => {
    for (const name of Object.values(names)) await cli(["down"], { HARNESS_ENV: name });
  });

  it("refuses a release with two jars before anything starts, leaving nothing", async () => {
    const twoJars = join(dir, "two-jars");
    mkdirSync(twoJars);
    copyFileSync(variant, join(twoJars, "a.jar"));
    copyFileSync(variant, join(twoJars, "b.jar"));
    const up = await cli(["up"], { HARNESS_ENV: names.twoJars, HARNESS_APP_DIR: twoJars });
    expect(up.code).not.toBe(0);
    expect(up.stderr).toMatch(/has 2 jars at its top level \(a\.jar, b\.jar\): the unit runs one/);
    expect(await leftovers(names.twoJars)).toEqual([]);
  });

  // The two failing start-ups each deploy the stacks first; they and the bundle's start-up run side by
  // side (three environments, each its own emulator: about 50 s less than one after the other).
  it.concurrent(
    "fails clearly when the jar alone is given and its working-directory file is missing, leaving nothing",
    async () => {
      const up = await cli(["up"], { HARNESS_ENV: names.bare, HARNESS_APP_JAR: variant });
      expect(up.code).not.toBe(0);
      expect(up.stderr).toMatch(/the app's process exited before it became healthy/);
      expect(up.stderr).toContain(RELEASE_FILE);
      expect(await leftovers(names.bare)).toEqual([]);
    },
  );

  it.concurrent(
    "refuses settings that would change what the user data writes, naming the key and never the value",
    async () => {
      const settings = join(dir, "override.env");
      const value = "not-the-deployed-password";
      writeFileSync(settings, `DB_PASSWORD=${value}\n`);
      const up = await cli(["up"], { HARNESS_ENV: names.refused, HARNESS_APP_ENV_FILE: settings });
      expect(up.code).not.toBe(0);
      expect(up.stderr).toMatch(
        /HARNESS_APP_ENV_FILE sets DB_PASSWORD, which the user data writes .*HARNESS_APP_ENV_OVERRIDE=1/,
      );
      expect(up.stderr + up.stdout).not.toContain(value);
      expect(await leftovers(names.refused)).toEqual([]);
    },
  );
  it.concurrent(
    "starts with HARNESS_APP_DIR: the file beside the jar in the unit's WorkingDirectory, owned by its User, and the settings in the app's environment",
    async () => {
      const bundle = join(dir, "bundle");
      mkdirSync(bundle);
      copyFileSync(variant, join(bundle, "threadcast-api-variant.jar"));
      writeFileSync(join(bundle, RELEASE_FILE), "threadcast:\n  release: bundle-test\n");
      const settings = join(dir, "extra.env");
      // The app reports its start to a tracker by name and to a relay by address, as a team's jar did.
      writeFileSync(
        settings,
        `# a tracker silenced\nSENTRY_DSN=\nRELEASE_NOTE=laid-by-test\nTHREADCAST_TELEMETRY_ENDPOINTS=${TRACKER},${RELAY}\n`,
      );
      const up = await cli(["up"], {
        HARNESS_ENV: names.bundle,
        HARNESS_APP_DIR: bundle,
        HARNESS_APP_ENV_FILE: settings,
      });
      expect(up.code, up.stderr.slice(-2_000)).toBe(0);
      expect(up.stderr).toMatch(/\[app\] user data ran in/);
      expect(inApp(names.bundle, "stat", "-c", "%U:%G", `/opt/threadcast/${RELEASE_FILE}`).trim()).toBe(
        "threadcast:threadcast",
      );
      // The settings follow the user data's lines in the file the unit reads, and reach the JVM's environment.
      const envFile = inApp(names.bundle, "cat", "/etc/threadcast/threadcast.env").split("\n");
      expect(envFile.slice(-4, -2)).toEqual(["SENTRY_DSN=", "RELEASE_NOTE=laid-by-test"]);
      expect(envFile[0]).toBe("DB_HOST=database.twin.internal");
      const javaEnv = asUnitUser(
        names.bundle,
        "sh",
        "-c",
        'for p in /proc/[0-9]*; do case "$(tr "\\0" " " < $p/cmdline)" in /usr/bin/java*) tr "\\0" "\\n" < $p/environ;; esac; done',
      );
      expect(javaEnv).toContain("RELEASE_NOTE=laid-by-test");
    },
  );

  it("reports what the app tried to reach outside the twin: the tracker's name, the relay's address and port", async () => {
    // The app calls out once it is ready, in the background: wait for the report to show both.
    const report = await vi.waitFor(
      async () => {
        const egress = await cli(["egress"], { HARNESS_ENV: names.bundle });
        expect(egress.code).toBe(0);
        expect(egress.stdout).toContain(`app tried to reach ${new URL(RELAY).host} (blocked, `);
        expect(egress.stdout).toMatch(new RegExp(`app looked up ${new URL(TRACKER).hostname} \\(NXDOMAIN`));
        return egress.stdout;
      },
      { timeout: 20_000, interval: 500 },
    );
    // The app's own lines are these two: the reference backend calls out only when told to.
    expect(report.split("\n").filter((entry) => /^ {2}app /.test(entry))).toHaveLength(2);
    const status = await cli(["status"], { HARNESS_ENV: names.bundle });
    expect(status.stdout).toContain(`egress: app tried to reach ${new URL(RELAY).host} (blocked, `);
    // The app's own log says the call failed and that it went on.
    expect(inApp(names.bundle, "cat", "/var/log/threadcast/app.log")).toMatch(/telemetry to .* failed/);
  });
});
