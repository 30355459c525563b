import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";
import { loadConfig, REPO_ROOT, type HarnessConfig } from "../config.ts";
import { ImageError } from "../errors.ts";
import { waitFor } from "../support/wait-for.ts";
import { COMPONENTS, imageCatalog, type ComponentName, type ImageSpec } from "./catalog.ts";
import { inspectImage, LABEL_RECIPE } from "./docker-cli.ts";
import { ImageResolver } from "./image-resolver.ts";

// A registry address on loopback where nothing listens: `docker pull` fails at once, as with no registry.
const UNREACHABLE = "127.0.0.1:9/threadcast-harness-test/unreachable:1";

const workDir = mkdtempSync(join(tmpdir(), "image-resolver-"));
const createdTags = new Set<string>();

function recipes(dockerfiles: Partial<Record<ComponentName, string>>): string {
  const dir = mkdtempSync(join(workDir, "recipes-"));
  for (const component of COMPONENTS) {
    mkdirSync(join(dir, component));
    const body = dockerfiles[component] ?? `RUN echo ${component} > /component.txt`;
    // The directory name makes every call a distinct recipe, so tests never share a content tag.
    writeFileSync(
      join(dir, component, "Dockerfile"),
      `# ${dir}\nARG BASE_IMAGE\nFROM \${BASE_IMAGE}\n${body}\n`,
    );
  }
  return dir;
}

function setup(recipesDir: string, images: HarnessConfig["images"] = "auto") {
  const config: HarnessConfig = { ...loadConfig(), recipesDir, images, stateDir: join(workDir, "state") };
  const catalog = imageCatalog(config);
  const unreachable = Object.fromEntries(
    Object.entries(catalog).map(([name, spec]) => [name, { ...spec, upstream: UNREACHABLE }]),
  ) as Record<ComponentName, ImageSpec>;
  const resolver = new ImageResolver(config, { catalog: unreachable });
  return { config, resolver };
}

async function track<T extends { reference: string }>(image: Promise<T>): Promise<T> {
  const resolved = await image;
  createdTags.add(resolved.reference);
  return resolved;
}

describe("image resolution", () => {
  let said: string[] = [];

  beforeEach(() => {
    said = [];
    vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      said.push(String(chunk));
      return true;
    });
    return () => vi.restoreAllMocks();
  });

  afterAll(() => {
    for (const tag of createdTags) execFileSync("docker", ["image", "rm", "-f", tag], { stdio: "ignore" });
    rmSync(workDir, { recursive: true, force: true });
  });

  it("falls back to the offline recipe when the registry does not answer, and says so", async () => {
    const { resolver } = setup(recipes({}));
    const image = await track(resolver.resolve("nginx"));
    expect(image).toMatchObject({
      component: "nginx",
      path: "built",
      reference: resolver.localTag("nginx").tag,
    });
    expect(said.join("")).toMatch(/registry unreachable, building the offline recipe instead/);
    const facts = await inspectImage(image.reference);
    expect(facts?.labels[LABEL_RECIPE]).toBe(resolver.localTag("nginx").hash);
  });

  it("reuses an image whose recipe did not change, and rebuilds when one byte changes", async () => {
    const dir = recipes({});
    const first = await track(setup(dir).resolver.resolve("jre"));
    const again = await setup(dir).resolver.resolve("jre");
    expect(again).toMatchObject({ path: "local", reference: first.reference });

    writeFileSync(
      join(dir, "jre", "Dockerfile"),
      `${readFileSync(join(dir, "jre", "Dockerfile"), "utf8")}# changed\n`,
    );
    const changed = await track(setup(dir).resolver.resolve("jre"));
    expect(changed.path).toBe("built");
    expect(changed.reference).not.toBe(first.reference);
  });

  it("replaces a foreign image found under its tag", async () => {
    const { resolver } = setup(recipes({}));
    const { tag } = resolver.localTag("postgres");
    const base = resolver.spec("postgres").base;
    const foreign = execFileSync(
      "docker",
      ["images", "-q", "--filter", `label=io.threadcast.harness.component=debian-${base}`],
      {
        encoding: "utf8",
      },
    )
      .split("\n")[0]
      ?.trim();
    expect(foreign).toBeTruthy();
    execFileSync("docker", ["tag", foreign as string, tag]);
    createdTags.add(tag);
    const image = await resolver.resolve("postgres");
    expect(image.path).toBe("built");
    expect(said.join("")).toContain("was not built from this recipe");
    expect((await inspectImage(tag))?.labels[LABEL_RECIPE]).toBe(resolver.localTag("postgres").hash);
  });

  it("names the failing step of a recipe that does not build, and leaves no tag", async () => {
    const { resolver } = setup(
      recipes({ nginx: "RUN echo preparing && echo 'E: broken on purpose' >&2 && exit 3" }),
    );
    const failure = resolver.resolve("nginx");
    await expect(failure).rejects.toThrow(ImageError);
    await expect(failure).rejects.toThrow(
      /Step \d+\/\d+ : RUN echo preparing[\s\S]*E: broken on purpose[\s\S]*non-zero code: 3/,
    );
    expect(await inspectImage(resolver.localTag("nginx").tag)).toBeUndefined();
  });

  it("with HARNESS_IMAGES=upstream and no registry, fails without building anything", async () => {
    const { resolver } = setup(recipes({}), "upstream");
    await expect(resolver.resolve("jre")).rejects.toThrow(
      /cannot pull .*HARNESS_IMAGES=upstream forbids building/,
    );
    expect(await inspectImage(resolver.localTag("jre").tag)).toBeUndefined();
  });

  it("refuses a token-requiring LocalStack image without a token, before touching Docker", async () => {
    const config: HarnessConfig = {
      ...loadConfig(),
      localstackImage: "localstack/localstack:latest",
      localstackAuthToken: undefined,
    };
    await expect(new ImageResolver(config).resolve("localstack")).rejects.toThrow(
      /needs a LocalStack auth token/,
    );
  });

  it("stops a build on Ctrl-C, exits 130 and leaves neither a tag nor a build container", async () => {
    const dir = recipes({ nginx: "RUN echo build-is-running && tail -f /dev/null" });
    const stateDir = join(workDir, "ctrl-c-state");
    const env = {
      ...process.env,
      HARNESS_RECIPES_DIR: dir,
      HARNESS_IMAGES: "local",
      HARNESS_STATE_DIR: stateDir,
    };
    const cli = spawn(
      join(REPO_ROOT, "node_modules", ".bin", "tsx"),
      [join(REPO_ROOT, "harness", "cli.ts"), "images"],
      {
        env,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stderr = "";
    cli.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    // "close", not "exit": the process can exit before its last stderr lines are read (the last CI's
    // run saw exit 130 with "interrupted" not yet in `stderr`).
    const exited = new Promise<number | null>((resolve) => cli.on("close", (code) => resolve(code)));
    const nginxLog = join(stateDir, "logs", "images", "nginx.log");
    await waitFor("the nginx build to reach its hanging step", () =>
      existsSync(nginxLog) && readFileSync(nginxLog, "utf8").includes("build-is-running") ? true : undefined,
    );
    cli.kill("SIGINT");
    expect(await exited).toBe(130);
    expect(stderr).toMatch(/interrupted/);
    const { resolver } = setup(dir, "local");
    for (const component of ["localstack", "postgres", "jre"] as const)
      createdTags.add(resolver.localTag(component).tag);
    expect(await inspectImage(resolver.localTag("nginx").tag)).toBeUndefined();
    const buildContainers = await waitFor(
      "the build container to be removed",
      () => {
        const commands = execFileSync("docker", ["ps", "-a", "--format", "{{.Command}}"], {
          encoding: "utf8",
        });
        return commands.includes("build-is-running") ? undefined : commands;
      },
      30_000,
    );
    expect(buildContainers).not.toContain("build-is-running");
  });
});
