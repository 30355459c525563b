import {
  copyFileSync,
  cpSync,
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import type { HarnessConfig } from "../config.ts";
import { ImageError } from "../errors.ts";
import { formatMs, say } from "../support/progress.ts";
import { lastLines, run } from "../support/run.ts";
import { COMPONENTS, imageCatalog, type ComponentName, type DebianSuite, type ImageSpec } from "./catalog.ts";
import { buildDebianBase, debianBase, type BaseImage } from "./debian-base.ts";
import { formatBytes, inspectImage, LABEL_COMPONENT, LABEL_RECIPE, untag } from "./docker-cli.ts";
import { localstackNeedsToken } from "./localstack-license.ts";
import { recipeHash, shortHash } from "./recipe-hash.ts";

/** How an image was obtained this time. */
export type ImagePath = "local" | "pulled" | "built";

export interface ResolvedImage {
  readonly component: ComponentName;
  /** The reference to run: our content tag, or the pinned upstream reference. */
  readonly reference: string;
  readonly path: ImagePath;
  readonly sizeBytes: number;
  readonly ms: number;
}

const ANSI = new RegExp(String.raw`\u001b\[[0-9;]*m`, "g");

/**
 * The failing step of a classic `docker build` log: from the last "Step N/M" line to the end, without
 * colour codes and without the client's notice that the classic builder is deprecated.
 */
export function failingStep(log: string, maxLines = 40): string {
  const lines = log
    .replace(ANSI, "")
    .split("\n")
    .filter(
      (line) =>
        !/^DEPRECATED: The legacy builder|^\s+(BuildKit is currently disabled|environment-variable\.)/.test(
          line,
        ),
    );
  const start = lines.map((line) => /^Step \d+\/\d+ :/.test(line)).lastIndexOf(true);
  return lastLines((start >= 0 ? lines.slice(start) : lines).join("\n"), maxLines);
}

/**
 * Resolves every image the twin needs. `auto`: an image under our content tag -> the pinned upstream
 * image if present or pullable -> the offline recipe. `upstream` and `local` force one path. Builds of
 * the same base or component are shared between concurrent callers.
 */
export class ImageResolver {
  private readonly catalog: Record<ComponentName, ImageSpec>;
  private readonly bases = new Map<DebianSuite, Promise<BaseImage>>();
  private readonly components = new Map<ComponentName, Promise<ResolvedImage>>();
  private registryDown: string | undefined;
  /** Pulls run one at a time, so the first one that finds the registry unreachable spares the others. */
  private pullQueue: Promise<unknown> = Promise.resolve();

  private readonly signal: AbortSignal;
  /** Aborted when one resolution of {@link resolveAll} fails, to stop the others. */
  private readonly stop = new AbortController();

  constructor(
    private readonly config: HarnessConfig,
    options: { readonly signal?: AbortSignal; readonly catalog?: Record<ComponentName, ImageSpec> } = {},
  ) {
    this.catalog = options.catalog ?? imageCatalog(config);
    this.signal = options.signal ? AbortSignal.any([options.signal, this.stop.signal]) : this.stop.signal;
  }

  spec(component: ComponentName): ImageSpec {
    return this.catalog[component];
  }

  /** The content tag the offline recipe of a component builds (depends on the recipe and its base). */
  localTag(component: ComponentName): { tag: string; hash: string } {
    const spec = this.catalog[component];
    const base = debianBase(spec.base);
    const hash = recipeHash(spec.recipeDir, [base.tag]);
    return { tag: `threadcast-harness/${component}:${shortHash(hash)}`, hash };
  }

  resolve(component: ComponentName): Promise<ResolvedImage> {
    let pending = this.components.get(component);
    if (!pending) {
      pending = this.resolveOnce(this.catalog[component]);
      this.components.set(component, pending);
    }
    return pending;
  }

  /**
   * Resolves all components concurrently (bases are built once and shared). When one fails, the others
   * are stopped and awaited before the first failure is thrown, so nothing keeps building behind it.
   */
  async resolveAll(): Promise<Record<ComponentName, ResolvedImage>> {
    const settled = await Promise.allSettled(
      COMPONENTS.map((component) =>
        this.resolve(component).catch((error: unknown) => {
          this.stop.abort(error);
          throw error;
        }),
      ),
    );
    const failed = settled.find((result) => result.status === "rejected");
    if (failed) throw failed.reason;
    const resolved = settled.map((result) => (result as PromiseFulfilledResult<ResolvedImage>).value);
    return Object.fromEntries(resolved.map((image) => [image.component, image])) as Record<
      ComponentName,
      ResolvedImage
    >;
  }

  private async resolveOnce(spec: ImageSpec): Promise<ResolvedImage> {
    const started = performance.now();
    const done = (reference: string, path: ImagePath, sizeBytes: number): ResolvedImage => {
      const ms = performance.now() - started;
      say(`[images] ${spec.component}: ${reference} (${path}, ${formatBytes(sizeBytes)}, ${formatMs(ms)})`);
      return { component: spec.component, reference, path, sizeBytes, ms };
    };
    this.refuseTokenlessLocalstack(spec);
    const mode = this.config.images;

    if (mode !== "upstream" && spec.recipeMatchesUpstream) {
      const { tag, hash } = this.localTag(spec.component);
      const present = await this.ours(tag, hash);
      if (present) return done(tag, "local", present);
    }
    const { upstream } = spec;
    if (mode !== "local" && upstream !== undefined) {
      const present = await inspectImage(upstream, { signal: this.signal });
      if (present) return done(upstream, "local", present.sizeBytes);
      const pulled = await this.pull({ ...spec, upstream });
      if (pulled) return done(upstream, "pulled", pulled);
      if (mode === "upstream") {
        throw new ImageError(
          `cannot pull ${upstream} (${this.registryDown ?? "unknown error"}) and HARNESS_IMAGES=upstream forbids building it`,
          "make a registry reachable, or set HARNESS_IMAGES=auto to build the offline recipe",
        );
      }
      if (!spec.recipeMatchesUpstream) {
        throw new ImageError(
          `cannot pull ${upstream} (${this.registryDown ?? "unknown error"}), and the offline recipe only builds ${"LocalStack 4.14.0"}`,
          "make a registry reachable, or unset HARNESS_LOCALSTACK_IMAGE to use the recipe",
        );
      }
      say(`[images] ${spec.component}: registry unreachable, building the offline recipe instead`);
    }
    const { tag, hash } = this.localTag(spec.component);
    const size = await this.build(spec, tag, hash);
    return done(tag, "built", size);
  }

  private refuseTokenlessLocalstack(spec: ImageSpec): void {
    if (spec.component !== "localstack") return;
    if (localstackNeedsToken(spec.upstream ?? "") && this.config.localstackAuthToken === undefined) {
      throw new ImageError(
        `${spec.upstream} needs a LocalStack auth token: LocalStack images after 4.14.0 exit with code 55 when LOCALSTACK_AUTH_TOKEN is not set`,
        "set LOCALSTACK_AUTH_TOKEN (it is passed to the container, never printed), or unset HARNESS_LOCALSTACK_IMAGE to use the token-free 4.14.0",
      );
    }
  }

  /** Size of our image under `tag` if its recipe label matches; a foreign or stale image is untagged. */
  private async ours(tag: string, hash: string): Promise<number | undefined> {
    const found = await inspectImage(tag, { signal: this.signal });
    if (!found) return undefined;
    if (found.labels[LABEL_RECIPE] === hash) return found.sizeBytes;
    say(
      `[images] ${tag} exists but was not built from this recipe (label ${LABEL_RECIPE} differs): removing the tag and rebuilding`,
    );
    if (!(await untag(tag, { signal: this.signal }))) {
      throw new ImageError(
        `${tag} is a foreign image under the harness's tag and could not be removed`,
        `remove it yourself: docker image rm -f ${tag}`,
      );
    }
    return undefined;
  }

  private pull(spec: ImageSpec & { upstream: string }): Promise<number | undefined> {
    const next = this.pullQueue.then(() => this.pullNow(spec));
    this.pullQueue = next.catch(() => undefined);
    return next;
  }

  private async pullNow(spec: ImageSpec & { upstream: string }): Promise<number | undefined> {
    if (this.registryDown !== undefined) return undefined;
    say(`[images] ${spec.component}: pulling ${spec.upstream}`);
    const result = await run("docker", ["pull", spec.upstream], {
      signal: this.signal,
      timeoutMs: 15 * 60_000,
    });
    if (result.code !== 0) {
      this.registryDown = lastLines(result.stderr, 1) || `docker pull exited ${result.code}`;
      say(`[images] ${spec.component}: pull failed: ${this.registryDown}`);
      return undefined;
    }
    return (await inspectImage(spec.upstream, { signal: this.signal }))?.sizeBytes;
  }

  private base(suite: DebianSuite): Promise<BaseImage> {
    let pending = this.bases.get(suite);
    if (!pending) {
      pending = (async () => {
        const base = debianBase(suite);
        if (await this.ours(base.tag, base.hash)) return base;
        const started = performance.now();
        say(`[images] debian-${suite}: debootstrap --variant=minbase ${suite} (about 30 s)`);
        await buildDebianBase(base, this.config, this.logFile(`debian-${suite}`), this.signal);
        const size = (await inspectImage(base.tag))?.sizeBytes ?? 0;
        say(
          `[images] debian-${suite}: ${base.tag} (built, ${formatBytes(size)}, ${formatMs(performance.now() - started)})`,
        );
        return base;
      })();
      this.bases.set(suite, pending);
    }
    return pending;
  }

  private logFile(name: string): string {
    const dir = join(this.config.stateDir, "logs", "images");
    mkdirSync(dir, { recursive: true });
    return join(dir, `${name}.log`);
  }

  private async build(spec: ImageSpec, tag: string, hash: string): Promise<number> {
    const base = await this.base(spec.base);
    const logFile = this.logFile(spec.component);
    say(`[images] ${spec.component}: building ${tag} from ${spec.recipeDir} (log: ${logFile})`);
    mkdirSync(join(this.config.stateDir, "tmp"), { recursive: true });
    const context = mkdtempSync(join(this.config.stateDir, "tmp", `build-${spec.component}-`));
    const log = createWriteStream(logFile, { flags: "w" });
    try {
      cpSync(spec.recipeDir, context, { recursive: true });
      if (this.config.buildCaFile)
        copyFileSync(this.config.buildCaFile, join(context, "harness-build-ca.pem"));
      else writeFileSync(join(context, "harness-build-ca.pem"), "");
      const result = await run(
        "docker",
        [
          "build",
          "--rm",
          "--force-rm",
          "--build-arg",
          `BASE_IMAGE=${base.tag}`,
          "--label",
          `${LABEL_RECIPE}=${hash}`,
          "--label",
          `${LABEL_COMPONENT}=${spec.component}`,
          "--tag",
          tag,
          context,
        ],
        // The classic builder prints each step's output, which is what a failure message needs.
        {
          signal: this.signal,
          env: { ...process.env, DOCKER_BUILDKIT: "0" },
          onOutput: (chunk) => log.write(chunk),
        },
      );
      if (result.code !== 0) {
        throw new ImageError(
          `building ${spec.component} from ${spec.recipeDir} failed:\n${failingStep(result.stdout + result.stderr)}`,
          `full log: ${logFile}`,
        );
      }
    } finally {
      log.end();
      rmSync(context, { recursive: true, force: true });
      // An interrupted build may have committed its last layer without tagging it: drop such untagged
      // images of ours, so Ctrl-C leaves nothing behind but the layer cache.
      if (this.signal?.aborted)
        await run("docker", ["image", "prune", "--force", "--filter", `label=${LABEL_COMPONENT}`]);
    }
    const built = await this.ours(tag, hash);
    if (built === undefined)
      throw new ImageError(`${tag} is missing right after its build`, `full log: ${logFile}`);
    return built;
  }
}
