import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import type { HarnessConfig } from "../config.ts";
import { EngineError } from "../errors.ts";
import { aptInstall, findExecutable, isRoot, osIds } from "../support/host.ts";
import { processAlive } from "../support/process-alive.ts";
import { formatMs, say } from "../support/progress.ts";
import { lastLines, run } from "../support/run.ts";
import { planEngine, type HostFacts } from "./engine-plan.ts";

const SBIN = ["/usr/sbin", "/usr/bin", "/sbin", "/usr/local/bin"];

/** What the harness knows about the engine it will use. */
export interface EngineInfo {
  readonly serverVersion: string;
  /** How the engine came to be: it was already answering, or the harness started (and maybe installed) it. */
  readonly provenance: "found" | "started" | "installed";
}

interface Probe {
  readonly answers: boolean;
  readonly version?: string;
  readonly error?: string;
}

async function probeEngine(signal?: AbortSignal): Promise<Probe> {
  if (!findExecutable("docker")) return { answers: false, error: "no docker client on PATH" };
  try {
    const result = await run("docker", ["version", "--format", "{{.Server.Version}}"], {
      timeoutMs: 15_000,
      signal,
    });
    const version = result.stdout.trim();
    if (result.code === 0 && version !== "") return { answers: true, version };
    return { answers: false, error: lastLines(result.stderr, 1) || `docker version exited ${result.code}` };
  } catch (error) {
    if (signal?.aborted) throw error;
    return { answers: false, error: (error as Error).message };
  }
}

async function gatherFacts(config: HarnessConfig, probe: Probe): Promise<HostFacts> {
  return {
    engineAnswers: probe.answers,
    engineError: probe.error,
    dockerHost: config.dockerHost,
    hasClient: findExecutable("docker") !== undefined,
    hasDaemonBinary: findExecutable("dockerd", SBIN) !== undefined,
    osIds: osIds(),
    isRoot: isRoot(),
    autoInstall: config.autoInstall,
  };
}

/** Beside the engine's log: the pid of the dockerd the harness started. */
const startedEngineFile = (logFile: string) => join(dirname(logFile), "dockerd.pid");

/**
 * The pid of the dockerd this harness started, while it still runs; undefined when the engine was found
 * (a Docker Desktop, a system service) or has stopped.
 */
export function harnessStartedEngine(config: HarnessConfig): number | undefined {
  const file = startedEngineFile(join(config.stateDir, "dockerd.log"));
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, "utf8").trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "dockerd" && processAlive(pid)
      ? pid
      : undefined;
  } catch {
    return undefined;
  }
}

/** Starts dockerd detached (it outlives this process, as a service would) and waits until it answers. */
async function startDockerd(logFile: string, signal?: AbortSignal): Promise<string> {
  const dockerd = findExecutable("dockerd", SBIN);
  if (!dockerd)
    throw new EngineError(
      "dockerd is not installed after installing docker.io",
      "apt-get install -y docker.io",
    );
  mkdirSync(dirname(logFile), { recursive: true });
  const out = openSync(logFile, "a");
  const child = spawn(dockerd, [], { detached: true, stdio: ["ignore", out, out] });
  closeSync(out);
  // Which dockerd the harness started: the engine-restart drill restarts that one and no other.
  writeFileSync(startedEngineFile(logFile), `${child.pid ?? ""}\n`);
  let exited: number | null | undefined;
  child.on("exit", (code) => (exited = code));
  child.unref();
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const probe = await probeEngine(signal);
    if (probe.answers && probe.version) return probe.version;
    if (exited !== undefined) break;
    await delay(250, undefined, { signal });
  }
  const log = (() => {
    try {
      return lastLines(readFileSync(logFile, "utf8"), 15);
    } catch {
      return "(no log written)";
    }
  })();
  throw new EngineError(
    exited !== undefined
      ? `dockerd exited with code ${exited} right after starting; its log (${logFile}) ends with:\n${log}`
      : `dockerd did not answer within 60 s; its log (${logFile}) ends with:\n${log}`,
    "read the log above; a common cause is a kernel without overlayfs or cgroups in this sandbox",
  );
}

/**
 * Makes sure a Docker engine answers: uses the one found, or (Debian/Ubuntu, root, not refused by
 * HARNESS_AUTO_INSTALL=never) installs docker.io and starts dockerd in the background. Anything else
 * ends in an {@link EngineError} naming the fix.
 */
export async function ensureEngine(config: HarnessConfig, signal?: AbortSignal): Promise<EngineInfo> {
  const probe = await probeEngine(signal);
  if (probe.answers && probe.version) return { serverVersion: probe.version, provenance: "found" };
  const plan = planEngine(await gatherFacts(config, probe));
  switch (plan.action) {
    case "use":
      return { serverVersion: probe.version ?? "unknown", provenance: "found" };
    case "fail":
      throw new EngineError(plan.message, plan.fix);
    case "start": {
      const logFile = join(config.stateDir, "dockerd.log");
      const started = performance.now();
      say(
        plan.install
          ? `[engine] ${plan.why}: installing docker.io from Debian's packages and starting dockerd in the background (log: ${logFile})`
          : `[engine] ${plan.why}: starting it in the background (log: ${logFile})`,
      );
      if (plan.install) await aptInstall(["docker.io"], signal);
      const serverVersion = await startDockerd(logFile, signal);
      say(`[engine] Docker ${serverVersion} answers after ${formatMs(performance.now() - started)}`);
      return { serverVersion, provenance: plan.install ? "installed" : "started" };
    }
  }
}
