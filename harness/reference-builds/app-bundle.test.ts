import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SPRING_BOOT_MANIFEST, writeZip } from "../testing/zip.ts";
import { readAppBundle } from "./app-bundle.ts";

/** A minimal executable Spring Boot jar: a zip whose manifest names Boot's launcher and a Start-Class. */
const bootJar = (path: string) => writeZip(path, { "META-INF/MANIFEST.MF": SPRING_BOOT_MANIFEST });

function release(files: Record<string, string>, jars: readonly string[] = ["app.jar"]): string {
  const dir = mkdtempSync(join(tmpdir(), "release-"));
  for (const jar of jars) bootJar(join(dir, jar));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), content, { mode: path.endsWith(".sh") ? 0o750 : 0o640 });
  }
  return dir;
}

describe("a release directory (HARNESS_APP_DIR)", () => {
  it("is its one top-level jar and every other file, with their relative paths and permission bits", () => {
    const dir = release({
      "application-prod.yml": "a: 1\n",
      "bin/warm.sh": "#!/bin/sh\n",
      "lib/extra.jar": "x",
    });
    const bundle = readAppBundle(dir);
    expect(bundle.jar).toBe(join(dir, "app.jar"));
    expect([...bundle.files].sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: "application-prod.yml", mode: 0o640 },
      { path: "bin/warm.sh", mode: 0o750 },
      { path: "lib/extra.jar", mode: 0o640 },
    ]);
  });

  it("is refused with no jar, or with two, naming them", () => {
    expect(() => readAppBundle(release({ "application-prod.yml": "" }, []))).toThrow(
      /has no jar at its top level/,
    );
    expect(() => readAppBundle(release({}, ["a.jar", "b.jar"]))).toThrow(
      /has 2 jars at its top level \(a\.jar, b\.jar\)/,
    );
  });

  it("is refused when a file cannot be read (a link to nothing) or is not a regular file (a pipe)", () => {
    const dangling = release({});
    symlinkSync(join(dangling, "gone.yml"), join(dangling, "application-prod.yml"));
    expect(() => readAppBundle(dangling)).toThrow(
      /application-prod\.yml in HARNESS_APP_DIR cannot be read: a link to nothing/,
    );
    const piped = release({});
    execFileSync("mkfifo", [join(piped, "control")]);
    expect(() => readAppBundle(piped)).toThrow(/control in HARNESS_APP_DIR is not a regular file/);
  });

  it("is refused when it is missing, or its jar is not an executable Spring Boot jar", () => {
    expect(() => readAppBundle(join(tmpdir(), "no-such-release"))).toThrow(/is missing/);
    const dir = release({}, []);
    writeFileSync(join(dir, "app.jar"), "not a zip");
    expect(() => readAppBundle(dir)).toThrow(/is not a jar/);
  });
});
