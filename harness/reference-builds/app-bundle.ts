import { closeSync, lstatSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { FixtureBuildError } from "./backend-jar.ts";
import { checkSpringBootJar } from "./jar-check.ts";

/** A release as a pipeline ships it: one executable jar and the files beside it (relative paths). */
export interface AppBundle {
  readonly dir: string;
  readonly jar: string;
  /** Every other file, relative to `dir`, with its permission bits, laid into the unit's WorkingDirectory. */
  readonly files: readonly { readonly path: string; readonly mode: number }[];
}

const FIX =
  "point HARNESS_APP_DIR at the directory your release ships to the instance: exactly one jar at its top level, and the files that go beside it (application-prod.yml, scripts)";

/** Fails unless `path` is a regular file whose first byte can be read. */
function checkReadable(path: string, shown: string): void {
  const link = lstatSync(path, { throwIfNoEntry: false });
  const target = statSync(path, { throwIfNoEntry: false });
  if (!target)
    throw new FixtureBuildError(
      `${shown} in HARNESS_APP_DIR cannot be read: ${link?.isSymbolicLink() ? "a link to nothing" : "it is gone"}`,
      FIX,
    );
  if (!target.isFile() && !target.isDirectory())
    throw new FixtureBuildError(
      `${shown} in HARNESS_APP_DIR is not a regular file (a device, pipe or socket)`,
      FIX,
    );
  if (target.isDirectory()) return;
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    readSync(fd, Buffer.alloc(1), 0, 1, 0);
  } catch (error) {
    throw new FixtureBuildError(
      `${shown} in HARNESS_APP_DIR cannot be read (${(error as NodeJS.ErrnoException).code})`,
      FIX,
    );
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function filesUnder(dir: string, root: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    checkReadable(path, relative(root, path));
    return statSync(path).isDirectory() ? filesUnder(path, root) : [path];
  });
}

/**
 * Reads a release directory before anything starts: it exists, every file in it can be read, and it
 * holds exactly one jar at its top level, an executable Spring Boot jar (jars further down, such as
 * lib/*.jar, are files like any other).
 */
export function readAppBundle(dir: string): AppBundle {
  const found = statSync(dir, { throwIfNoEntry: false });
  if (!found?.isDirectory())
    throw new FixtureBuildError(`HARNESS_APP_DIR=${dir} is ${found ? "not a directory" : "missing"}`, FIX);
  const files = filesUnder(dir, dir);
  const jars = files.filter((path) => relative(dir, path).match(/^[^/]+\.jar$/));
  if (jars.length !== 1)
    throw new FixtureBuildError(
      jars.length === 0
        ? `HARNESS_APP_DIR=${dir} has no jar at its top level`
        : `HARNESS_APP_DIR=${dir} has ${jars.length} jars at its top level (${jars.map((jar) => relative(dir, jar)).join(", ")}): the unit runs one`,
      FIX,
    );
  const jar = jars[0] as string;
  checkSpringBootJar(jar);
  return {
    dir,
    jar,
    files: files
      .filter((path) => path !== jar)
      .map((path) => ({ path: relative(dir, path), mode: statSync(path).mode & 0o777 })),
  };
}
