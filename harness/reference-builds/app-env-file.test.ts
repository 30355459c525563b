import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readAppEnvFile } from "./app-env-file.ts";

const file = (text: string) => {
  const path = join(mkdtempSync(join(tmpdir(), "env-")), "extra.env");
  writeFileSync(path, text);
  return path;
};

describe("the settings added to the instance's environment file (HARNESS_APP_ENV_FILE)", () => {
  it("keeps the KEY=VALUE lines, drops blanks and comments, and lists the keys once each", () => {
    const settings = readAppEnvFile(
      file("# tracker off\nSENTRY_DSN=\n\n; relay\nRELAY_URL=http://x=y\nSENTRY_DSN=none\n"),
    );
    expect(settings.content).toBe("SENTRY_DSN=\nRELAY_URL=http://x=y\nSENTRY_DSN=none\n");
    expect(settings.keys).toEqual(["SENTRY_DSN", "RELAY_URL"]);
  });

  it("names the line of a syntax error and never its value", () => {
    const secret = "s3cr3t-value-never-shown";
    const attempt = () => readAppEnvFile(file(`OK=1\nexport TOKEN=${secret}\n`));
    expect(attempt).toThrow(/line 2 is not KEY=VALUE/);
    expect(() => attempt()).not.toThrow(new RegExp(secret));
    expect(() => readAppEnvFile(file(`1BAD=${secret}\n`))).toThrow(/line 1 is not KEY=VALUE/);
  });

  it("is refused when it is not a file", () => {
    expect(() => readAppEnvFile(join(tmpdir(), "no-such.env"))).toThrow(/is not a file/);
  });
});
