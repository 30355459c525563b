import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { recipeHash } from "./recipe-hash.ts";

function recipe(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "recipe-"));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

describe("recipeHash", () => {
  const files = { Dockerfile: "FROM x\nRUN a\n", "conf/app.conf": "listen 80;\n" };

  it("is the same for the same files, wherever they are", () => {
    expect(recipeHash(recipe(files), ["base:1"])).toBe(recipeHash(recipe(files), ["base:1"]));
  });

  it("changes when a byte of any file changes", () => {
    expect(recipeHash(recipe({ ...files, "conf/app.conf": "listen 81;\n" }))).not.toBe(
      recipeHash(recipe(files)),
    );
  });

  it("changes when a file is renamed or added", () => {
    const renamed = { Dockerfile: files.Dockerfile, "conf/other.conf": files["conf/app.conf"] };
    expect(recipeHash(recipe(renamed))).not.toBe(recipeHash(recipe(files)));
    expect(recipeHash(recipe({ ...files, extra: "" }))).not.toBe(recipeHash(recipe(files)));
  });

  it("changes when the base image changes", () => {
    const dir = recipe(files);
    expect(recipeHash(dir, ["base:1"])).not.toBe(recipeHash(dir, ["base:2"]));
  });
});
