import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/**
 * A content hash of everything that determines an image: every file of the recipe directory (path
 * and bytes, in a stable order) plus extra inputs such as the base image's tag. Same inputs, same tag,
 * so nothing is rebuilt when nothing changed, and a change anywhere gives a new tag.
 */
export function recipeHash(recipeDir: string, extraInputs: readonly string[] = []): string {
  const hash = createHash("sha256");
  for (const file of filesUnder(recipeDir).sort()) {
    hash.update(relative(recipeDir, file)).update("\0").update(readFileSync(file)).update("\0");
  }
  for (const input of extraInputs) hash.update(input).update("\0");
  return hash.digest("hex");
}

/** Hash of plain inputs (for images with no recipe directory, such as the debootstrapped bases). */
export function inputsHash(inputs: readonly string[]): string {
  const hash = createHash("sha256");
  for (const input of inputs) hash.update(input).update("\0");
  return hash.digest("hex");
}

export const shortHash = (hash: string): string => hash.slice(0, 12);
