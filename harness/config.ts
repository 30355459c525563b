import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError } from "./errors.ts";

export type ImageMode = "auto" | "upstream" | "local";
export type AutoInstall = "auto" | "never";
/** The seed's phases: 1 (one instance), 2 (ALB, Auto Scaling, Multi-AZ RDS), 3 (ECS Fargate). */
export type TwinPhase = 1 | 2 | 3;

/** Every setting of the harness, read from the environment in one place, at call time. */
export interface HarnessConfig {
  /** Root of this repository (recipes live under `fixtures/images`). */
  readonly repoRoot: string;
  /** Directory holding one offline image recipe per component (`<dir>/<component>/Dockerfile`). */
  readonly recipesDir: string;
  /** Where the harness keeps state: dockerd's log, build logs, temporary debootstrap trees. */
  readonly stateDir: string;
  /** How images are resolved: `auto` (local, then pull, then build), `upstream` (pull only), `local` (build only). */
  readonly images: ImageMode;
  /**
   * Where content-addressed build outputs (the reference jar, the web dist) are kept across checkouts:
   * an entry's name carries the hash of its sources, so sharing it between clones is safe.
   */
  readonly cacheDir: string;
  /** Whether the harness may install missing host packages (docker.io, debootstrap) on a Debian host as root. */
  readonly autoInstall: AutoInstall;
  /** A PEM bundle trusted by package clients during offline image builds (TLS-intercepting proxies). */
  readonly buildCaFile: string | undefined;
  /** Overrides the LocalStack image (for example a newer, token-requiring release). */
  readonly localstackImage: string | undefined;
  /** Passed to LocalStack when set; never printed. */
  readonly localstackAuthToken: string | undefined;
  /**
   * The operator CIDR the stacks admit on port 22 in the twin (the stacks require one and have no default;
   * in the twin it is the address of the operator's vantage point).
   */
  readonly operatorCidr: string;
  /** DOCKER_HOST as the user set it, if any. */
  readonly dockerHost: string | undefined;
  /** The environment env:up/down/status/logs act on (HARNESS_ENV, default "twin"). */
  readonly envName: string;
  /** Which phase of the architecture the twin runs (HARNESS_PHASE or env:up's --phase; default 1). */
  readonly phase: TwinPhase;
  /**
   * How many times faster than AWS the group's clock runs for drills (HARNESS_TIME_SCALE, default 1):
   * grace periods and cooldowns are divided by it, and every figure that is says so.
   */
  readonly timeScale: number;
  /** The user's Spring Boot jar (HARNESS_APP_JAR); the reference jar when unset. */
  readonly appJar: string | undefined;
  /**
   * The user's release bundle (HARNESS_APP_DIR): one jar and what ships beside it, laid into the unit's
   * WorkingDirectory. Exclusive with appJar.
   */
  readonly appDir: string | undefined;
  /** KEY=VALUE lines added to the instance's environment file (HARNESS_APP_ENV_FILE). */
  readonly appEnvFile: string | undefined;
  /** HARNESS_APP_ENV_OVERRIDE=1: appEnvFile may replace keys the user data writes (DB_*, JWT_SECRET). */
  readonly appEnvOverride: boolean;
  /** The user's web build directory (HARNESS_WEB_DIST); the reference build when unset. */
  readonly webDist: string | undefined;
  /** How long the app may take to become healthy (HARNESS_APP_START_TIMEOUT, seconds; default 180). */
  readonly appStartTimeoutMs: number;
  /**
   * How long an interrupted env:up may take to clean up before the environment is removed by its label
   * and the process exits (HARNESS_INTERRUPT_GRACE, seconds; default 60).
   */
  readonly interruptGraceMs: number;
}

/** Environment names become Docker labels, network names and a loopback address: keep them plain. */
export const ENV_NAME = /^[a-z][a-z0-9-]{0,30}$/;

type Env = Readonly<Record<string, string | undefined>>;

export const REPO_ROOT = resolve(fileURLToPath(new URL(".", import.meta.url)), "..");

const SYSTEM_CA_BUNDLES = ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt"];

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === "") return fallback;
  if ((allowed as readonly string[]).includes(raw)) return raw as T;
  throw new ConfigError(
    `${name}=${raw} is not one of ${allowed.join(", ")}`,
    `unset ${name} or set it to one of: ${allowed.join(", ")}`,
  );
}

function nonEmpty(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw === undefined || raw === "" ? undefined : raw;
}

function buildCaFile(env: Env): string | undefined {
  const explicit = nonEmpty(env, "HARNESS_BUILD_CA_FILE");
  if (explicit !== undefined) {
    if (!existsSync(explicit)) {
      throw new ConfigError(
        `HARNESS_BUILD_CA_FILE=${explicit} does not exist`,
        "point it at a PEM bundle, or unset it to use the host's system bundle",
      );
    }
    return resolve(explicit);
  }
  for (const name of ["SSL_CERT_FILE", "PIP_CERT", "REQUESTS_CA_BUNDLE"]) {
    const candidate = nonEmpty(env, name);
    if (candidate !== undefined && existsSync(candidate)) return resolve(candidate);
  }
  return SYSTEM_CA_BUNDLES.find((path) => existsSync(path));
}

/** HARNESS_PHASE: 1, 2 or 3, as the stacks' `-c phase=`. */
function twinPhase(env: Env): TwinPhase {
  const raw = nonEmpty(env, "HARNESS_PHASE") ?? "1";
  if (raw === "1" || raw === "2" || raw === "3") return Number(raw) as TwinPhase;
  throw new ConfigError(
    `phase ${raw} (HARNESS_PHASE or env:up's --phase) is not a phase of the architecture`,
    "use 1 (one instance, the default), 2 (ALB, Auto Scaling, Multi-AZ RDS) or 3 (ECS Fargate), or env:up's --phase N",
  );
}

/** HARNESS_TIME_SCALE: a number from 1 (AWS's clock) to 600. */
function timeScale(env: Env): number {
  const raw = nonEmpty(env, "HARNESS_TIME_SCALE") ?? "1";
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 1 || value > 600)
    throw new ConfigError(
      `HARNESS_TIME_SCALE=${raw} is not a number from 1 to 600`,
      "unset it for AWS's own grace periods and cooldowns, or give how many times faster a drill's should pass (e.g. 10)",
    );
  return value;
}

/** Seconds from `name` (or `fallback`): positive, or a whole number of at least `wholeFrom` when given. */
function seconds(env: Env, name: string, fallback: number, what: string, wholeFrom?: number): number {
  const raw = nonEmpty(env, name) ?? String(fallback);
  const value = Number(raw);
  const valid =
    wholeFrom === undefined
      ? Number.isFinite(value) && value > 0
      : Number.isInteger(value) && value >= wholeFrom;
  if (!valid)
    throw new ConfigError(
      `${name}=${raw} is not ${wholeFrom === undefined ? "a positive number of seconds" : `a whole number of seconds >= ${wholeFrom}`}`,
      `unset it (${fallback} s) or give the seconds ${what}`,
    );
  return value;
}

/** What the user brings for the instance: a jar or a release bundle, extra settings, the web build. */
function appSettings(env: Env) {
  const path = (name: string) => {
    const value = nonEmpty(env, name);
    return value === undefined ? undefined : resolve(value);
  };
  if (path("HARNESS_APP_JAR") && path("HARNESS_APP_DIR"))
    throw new ConfigError(
      "HARNESS_APP_JAR and HARNESS_APP_DIR are both set",
      "set HARNESS_APP_DIR to a release directory (its one jar and the files beside it), or HARNESS_APP_JAR to the jar alone",
    );
  const override = nonEmpty(env, "HARNESS_APP_ENV_OVERRIDE") ?? "0";
  if (override !== "0" && override !== "1")
    throw new ConfigError(
      `HARNESS_APP_ENV_OVERRIDE=${override} is neither 0 nor 1`,
      "set it to 1 to let HARNESS_APP_ENV_FILE replace keys the user data writes, or unset it",
    );
  return {
    appJar: path("HARNESS_APP_JAR"),
    appDir: path("HARNESS_APP_DIR"),
    appEnvFile: path("HARNESS_APP_ENV_FILE"),
    appEnvOverride: override === "1",
    webDist: path("HARNESS_WEB_DIST"),
    appStartTimeoutMs:
      seconds(env, "HARNESS_APP_START_TIMEOUT", 180, "the app may take to become healthy", 5) * 1000,
  };
}

/** Reads and validates the harness's settings; throws {@link ConfigError} on a bad or contradictory value. */
export function loadConfig(env: Env = process.env): HarnessConfig {
  const images = oneOf(env, "HARNESS_IMAGES", ["auto", "upstream", "local"] as const, "auto");
  const localstackImage = nonEmpty(env, "HARNESS_LOCALSTACK_IMAGE");
  if (localstackImage !== undefined && images === "local") {
    throw new ConfigError(
      `HARNESS_LOCALSTACK_IMAGE=${localstackImage} names an upstream image, but HARNESS_IMAGES=local builds every image from its offline recipe`,
      "unset one of the two",
    );
  }
  const stateDir = resolve(nonEmpty(env, "HARNESS_STATE_DIR") ?? resolve(REPO_ROOT, ".harness"));
  const recipesDir = resolve(
    nonEmpty(env, "HARNESS_RECIPES_DIR") ?? resolve(REPO_ROOT, "fixtures", "images"),
  );
  if (!existsSync(recipesDir)) {
    throw new ConfigError(
      `HARNESS_RECIPES_DIR=${recipesDir} does not exist`,
      "unset it to use fixtures/images",
    );
  }
  const home = env.HOME ?? "/root";
  const cacheDir = resolve(
    nonEmpty(env, "HARNESS_CACHE_DIR") ??
      resolve(nonEmpty(env, "XDG_CACHE_HOME") ?? resolve(home, ".cache"), "threadcast-harness"),
  );
  const envName = nonEmpty(env, "HARNESS_ENV") ?? "twin";
  if (!ENV_NAME.test(envName)) {
    throw new ConfigError(
      `HARNESS_ENV=${envName} is not a valid environment name`,
      "use 1-31 lower-case letters, digits and dashes, starting with a letter",
    );
  }
  return {
    repoRoot: REPO_ROOT,
    cacheDir,
    recipesDir,
    stateDir,
    images,
    autoInstall: oneOf(env, "HARNESS_AUTO_INSTALL", ["auto", "never"] as const, "auto"),
    buildCaFile: buildCaFile(env),
    localstackImage,
    localstackAuthToken: nonEmpty(env, "LOCALSTACK_AUTH_TOKEN"),
    operatorCidr: nonEmpty(env, "HARNESS_OPERATOR_CIDR") ?? "198.51.100.10/32",
    dockerHost: nonEmpty(env, "DOCKER_HOST"),
    envName,
    phase: twinPhase(env),
    timeScale: timeScale(env),
    ...appSettings(env),
    interruptGraceMs:
      seconds(env, "HARNESS_INTERRUPT_GRACE", 60, "an interrupted env:up may spend cleaning up") * 1000,
  };
}
