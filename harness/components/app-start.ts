import { setTimeout as delay } from "node:timers/promises";
import type { StartedTestContainer } from "testcontainers";
import { PROCESS_EXITED } from "../containers/app-container.ts";
import { EMULATOR_IN_TWIN } from "../containers/emulator-container.ts";
import { startReady } from "../containers/exit-aware-wait.ts";
import {
  BOOT_LINES,
  InstanceContainer,
  type InstanceContainerOptions,
  type InstanceRelease,
} from "../containers/instance-container.ts";
import { LogTail } from "../containers/log-tail.ts";
import { ProbeWait } from "../containers/probe-wait.ts";
import { EnvironmentError } from "../errors.ts";
import { FixtureBuildError } from "../reference-builds/backend-jar.ts";
import { formatMs, say } from "../support/progress.ts";
import { run } from "../support/run.ts";
import type { IssuedCertificate } from "../tls/local-ca.ts";
import type { TwinNetworks } from "./component.ts";

export interface AppStart {
  readonly image: string;
  readonly release: InstanceRelease;
  readonly userData: string;
  readonly region: string;
  readonly certificate: IssuedCertificate;
  /** The environment's CA, trusted by the instance's system and Java stores (phase 2: the broker's issuer). */
  readonly trustedCa?: string;
  readonly owner: string;
  readonly labels: Record<string, string>;
  readonly name: string;
  readonly limits: { readonly cpus: number; readonly memoryGiB: number };
  readonly networks: TwinNetworks;
  /**
   * Phase 1: the Elastic IP's stand-in, the loopback entry point its ports are published on (the
   * instance then has the twin's fixed API address). Phase 2's instances have neither: the load
   * balancer reaches them on the public network, and the health wait asks from inside.
   */
  readonly address?: string;
  /** Values no output may show (the deployed secrets): replaced by *** in any error. */
  readonly secrets: readonly string[];
  readonly startupTimeoutMs: number;
  /** The egress guard the instance's boot waits for (see InstanceContainerOptions). */
  readonly egressGuard?: InstanceContainerOptions["egressGuard"];
}

/**
 * Starts the instance stand-in (its user data, then the release and the unit) and waits for /api/health
 * on its 8080 entry point. A user data line that fails, a process that exits before it is healthy, or a
 * health check that never passes fails with what the instance wrote last, secrets scrubbed.
 */
export async function startApp(start: AppStart, signal: AbortSignal): Promise<StartedTestContainer> {
  const logs = new LogTail(400);
  const scrub = scrubber(start.secrets);
  const container = new InstanceContainer({
    logs,
    image: start.image,
    userData: start.userData,
    emulator: { endpoint: EMULATOR_IN_TWIN, region: start.region },
    release: start.release,
    certificate: start.certificate,
    ...(start.trustedCa ? { trustedCa: start.trustedCa } : {}),
    cpus: start.limits.cpus,
    memoryGiB: start.limits.memoryGiB,
    owner: start.owner,
    // Phase 1's public address is fixed, as its Elastic IP is: the twin's records lead there.
    networks: [
      {
        name: start.networks.public,
        ...(start.address === undefined ? {} : { ip: start.networks.addresses.app }),
      },
      { name: start.networks.private },
    ],
    resolvers: [start.networks.addresses.resolver.public],
    ...(start.address === undefined ? { publish: false } : { entry: { address: start.address } }),
    ready: healthWait(
      start.address === undefined ? healthInside : healthAt(`http://${start.address}:8080/api/health`),
      logs,
      scrub,
    ),
    startupTimeoutMs: start.startupTimeoutMs,
    ...(start.egressGuard ? { egressGuard: start.egressGuard } : {}),
  });
  try {
    const started = await startReady(
      container.withLabels(start.labels).withName(start.name),
      signal,
      "app",
      logs,
    );
    reportBoot(logs);
    return started;
  } catch (error) {
    // A failed user data stops the instance: its exit races the health wait, the failing line wins.
    if (failedBoot(logs)) throw userDataFailure(logs, scrub);
    if (error instanceof Error) error.message = scrub(error.message);
    throw error;
  }
}

/** What the user data took and what stood in for Amazon Linux's commands, as env:up's progress. */
function reportBoot(logs: LogTail): void {
  const lines = logs.since(BOOT_LINES.userDataStarted);
  const finished = lines.map((line) => BOOT_LINES.userDataFinished.exec(line)).find(Boolean);
  if (finished) say(`[app] user data ran in ${formatMs(Number(finished[1]))}`);
  for (const line of lines.filter((entry) => BOOT_LINES.stoodIn.test(entry)))
    say(`[app]   ${line.replace(BOOT_LINES.stoodIn, "")}`);
}

export const scrubber =
  (secrets: readonly string[]) =>
  (text: string): string =>
    secrets
      .filter((secret) => secret.length >= 4)
      .reduce((out, secret) => out.split(secret).join("***"), text);

const failedBoot = (logs: LogTail) =>
  logs.since(BOOT_LINES.userDataStarted).some((line) => BOOT_LINES.failed.test(line));

/** The user data's failing line, its command and its output, from the instance's log. */
export function userDataFailure(logs: LogTail, scrub: (text: string) => string): EnvironmentError {
  const lines = logs.since(BOOT_LINES.userDataStarted);
  const failure = lines.find((line) => BOOT_LINES.failed.test(line));
  const output = lines.filter((line) => line !== failure && !BOOT_LINES.stoodIn.test(line)).slice(-20);
  const text = failure?.replace(/^\[(cloud-init|release)\] (failed: )?/, "");
  const release = failure !== undefined && BOOT_LINES.releaseFailed.test(failure);
  const what = failure === undefined ? "boot failed" : release ? `release could not be laid: ${text}` : text;
  return new EnvironmentError(
    scrub(`the instance's ${what}; its output before that:\n${output.join("\n") || "(nothing)"}`),
    release
      ? "change HARNESS_APP_DIR or HARNESS_APP_ENV_FILE as the message says, then run env:up again"
      : "the user data is infra/lib/constructs/api-user-data.ts (the line number is the script's, as npm run infra:synth writes it); npm run env:logs -- app shows the whole boot",
  );
}

/** One health check: the HTTP status (or why there is none). */
type HealthProbe = (containerId: string, signal: AbortSignal) => Promise<{ status?: number; seen: string }>;

const healthAt =
  (url: string): HealthProbe =>
  async (_id, signal) => {
    try {
      const response = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(2_000)]) });
      await response.body?.cancel();
      return { status: response.status, seen: `${url}: HTTP ${response.status}` };
    } catch (error) {
      return { seen: `${url}: ${(error as Error).message}` };
    }
  };

/** GET /api/health on 8080 from inside the instance (loopback there is never firewalled). */
export const HEALTH_INSIDE_COMMAND =
  "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /api/health HTTP/1.0\\r\\n\\r\\n' >&3 && head -1 <&3";

const healthInside: HealthProbe = async (id) => {
  const answered = await run("docker", ["exec", id, "bash", "-c", HEALTH_INSIDE_COMMAND]);
  const status = /^HTTP\/1\.\d (\d{3})/.exec(answered.stdout)?.[1];
  const seen = `GET /api/health on the instance's 8080: ${(answered.stdout + answered.stderr).trim() || `exit ${answered.code}`}`;
  return status === undefined ? { seen } : { status: Number(status), seen };
};

/** 200 from the health check; fails at once when the user data fails or the unit's process exits. */
function healthWait(probe: HealthProbe, logs: LogTail, scrub: (text: string) => string): ProbeWait {
  return new ProbeWait(async (timeoutMs, id, signal) => {
    const bootFailed = logs.watch(BOOT_LINES.failed);
    const exited = logs.watch(PROCESS_EXITED);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      signal.throwIfAborted();
      if (bootFailed()) throw userDataFailure(logs, scrub);
      if (exited()) throw appFailure(`the app's process exited before it became healthy`, logs, scrub);
      const { status, seen } = await probe(id, signal);
      if (status === 200) return;
      if (Date.now() > deadline)
        throw appFailure(
          `the app did not become healthy within ${formatMs(timeoutMs)} (${seen})`,
          logs,
          scrub,
        );
      await delay(200, undefined, { signal });
    }
  });
}

function appFailure(message: string, logs: LogTail, scrub: (text: string) => string): FixtureBuildError {
  return new FixtureBuildError(
    scrub(`${message}; its last log lines:\n${logs.last(25) || "(nothing logged)"}`),
    "run the jar locally with the same environment to see why (npm run env:logs -- app shows the same log while it runs)",
  );
}
