import { readdirSync } from "node:fs";
import { join } from "node:path";

/** Every file below `dir`, recursively (directories themselves are not listed). */
export function filesBelow(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesBelow(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}
