import { spawn } from "node:child_process";
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { HarnessConfig } from "../config.ts";
import { ImageError } from "../errors.ts";
import { ensureCommand, isRoot, osIds } from "../support/host.ts";
import { lastLines, run } from "../support/run.ts";
import type { DebianSuite } from "./catalog.ts";
import { LABEL_COMPONENT, LABEL_RECIPE } from "./docker-cli.ts";
import { inputsHash, shortHash } from "./recipe-hash.ts";

/** The base images' own recipe: a minimal Debian made by debootstrap, imported as one layer. */
const DEBOOTSTRAP_ARGS = ["--variant=minbase"];

export interface BaseImage {
  readonly suite: DebianSuite;
  readonly tag: string;
  readonly hash: string;
}

export function debianBase(suite: DebianSuite): BaseImage {
  const hash = inputsHash(["debootstrap", ...DEBOOTSTRAP_ARGS, suite]);
  return { suite, hash, tag: `threadcast-harness/debian:${suite}-${shortHash(hash)}` };
}

function requireDebootstrap(config: HarnessConfig, signal?: AbortSignal): Promise<string> {
  const apt = osIds().some((id) => id === "debian" || id === "ubuntu");
  return ensureCommand(
    config.autoInstall,
    {
      names: ["debootstrap"],
      extraDirs: ["/usr/sbin", "/sbin"],
      packages: ["debootstrap"],
      missing: () =>
        new ImageError(
          "debootstrap is not installed, and the offline image recipes start from a debootstrapped Debian",
          apt
            ? "apt-get install -y debootstrap (as root), or set HARNESS_IMAGES=upstream where a registry answers"
            : "run on a Debian/Ubuntu host, or set HARNESS_IMAGES=upstream where a registry answers",
        ),
    },
    signal,
  );
}

/**
 * debootstrap --variant=minbase SUITE into a temporary directory, then `tar | docker import` under
 * the base's tag. The tag appears only when the import completes; the directory is always removed.
 */
export async function buildDebianBase(
  base: BaseImage,
  config: HarnessConfig,
  logFile: string,
  signal?: AbortSignal,
): Promise<void> {
  const debootstrap = await requireDebootstrap(config, signal);
  if (!isRoot()) {
    throw new ImageError(
      `debootstrap needs root to build the Debian ${base.suite} base image`,
      "run as root, or set HARNESS_IMAGES=upstream where a registry answers",
    );
  }
  mkdirSync(join(config.stateDir, "tmp"), { recursive: true });
  const root = mkdtempSync(join(config.stateDir, "tmp", `debootstrap-${base.suite}-`));
  const log = createWriteStream(logFile, { flags: "w" });
  const append = (chunk: string) => log.write(chunk);
  try {
    const strap = await run(debootstrap, [...DEBOOTSTRAP_ARGS, base.suite, root], {
      signal,
      onOutput: append,
    });
    if (strap.code !== 0) {
      throw new ImageError(
        `debootstrap ${base.suite} failed (exit ${strap.code}):\n${lastLines(strap.stdout + strap.stderr, 15)}`,
        `full log: ${logFile}; check that Debian's package mirror is reachable`,
      );
    }
    const tar = spawn("tar", ["-C", root, "-c", "."], { stdio: ["ignore", "pipe", "pipe"] });
    const onAbort = () => tar.kill("SIGTERM");
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const imported = await run(
        "docker",
        [
          "import",
          "--change",
          `LABEL ${LABEL_RECIPE}=${base.hash} ${LABEL_COMPONENT}=debian-${base.suite}`,
          "-",
          base.tag,
        ],
        { signal, input: tar.stdout, onOutput: append },
      );
      if (imported.code !== 0) {
        throw new ImageError(
          `docker import of the ${base.suite} base failed:\n${lastLines(imported.stderr, 10)}`,
          `full log: ${logFile}`,
        );
      }
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  } finally {
    log.end();
    rmSync(root, { recursive: true, force: true });
  }
}
