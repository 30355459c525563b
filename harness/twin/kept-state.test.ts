import { existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { clearExceptKept, keptDir, readKept, writeKept, type KeptState } from "./kept-state.ts";

const state: KeptState = {
  since: "2026-12-02T10:00:00.000Z",
  secrets: { databasePassword: "pw-1", jwt: "jwt-1" },
  replacements: {
    ThreadcastBackend: { ApiEip: { ref: "203.0.113.7", attributes: { PublicIp: "203.0.113.7" } } },
  },
};

describe("kept state", () => {
  it("reads back what was written, readable by the owner only", () => {
    const dir = mkdtempSync(join(tmpdir(), "kept-"));
    writeKept(dir, state);
    expect(readKept(dir)).toEqual(state);
    expect(statSync(keptDir(dir)).mode & 0o777).toBe(0o700);
    expect(statSync(join(keptDir(dir), "kept.json")).mode & 0o777).toBe(0o600);
    expect(readdirSync(keptDir(dir))).toEqual(["kept.json"]);
  });

  it("is absent when nothing was kept, or when a killed run cut the file short", () => {
    const dir = mkdtempSync(join(tmpdir(), "kept-"));
    expect(readKept(dir)).toBeUndefined();
    mkdirSync(keptDir(dir));
    writeFileSync(join(keptDir(dir), "kept.json"), '{"since":"2026-12-02","secrets":{"databasePass');
    expect(readKept(dir)).toBeUndefined();
    writeFileSync(join(keptDir(dir), "kept.json"), '{"since":"2026-12-02","secrets":{"jwt":"x"}}');
    expect(readKept(dir)).toBeUndefined();
  });

  it("survives the clearing of the environment's directory, which removes everything else", () => {
    const dir = mkdtempSync(join(tmpdir(), "kept-"));
    writeKept(dir, state);
    mkdirSync(join(dir, "ca"));
    writeFileSync(join(dir, "environment.json"), "{}");
    clearExceptKept(dir);
    expect(readdirSync(dir)).toEqual(["kept"]);
    expect(readKept(dir)).toEqual(state);
    clearExceptKept(join(dir, "missing"));
    expect(existsSync(join(dir, "missing"))).toBe(false);
  });
});
