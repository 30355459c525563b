import { GenericContainer, Wait, type WaitStrategy } from "testcontainers";
import { LABEL_OWNER } from "../support/cleanup.ts";
import type { ServiceUnit } from "../twin/systemd-unit.ts";
import { attachExtraNetworks } from "./extra-networks.ts";
import { LogTail } from "./log-tail.ts";
import { bindPublishedPortsToLoopback } from "./loopback.ts";

/**
 * PID 1 of the app container: runs the unit's command and, like systemd with Restart=always, starts it
 * again RestartSec after it exits; SIGTERM (docker stop) is passed on to the JVM for a graceful shutdown.
 * The pause is the unit's RestartSec, which is behaviour being reproduced, not a wait for readiness.
 */
export const SUPERVISOR = `
restart="$1"; delay="$2"; envfile="$3"; shift 3
# EnvironmentFile=: KEY=VALUE lines, taken literally (no shell expansion), comments and blanks skipped.
if [ -n "$envfile" ]; then
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in ''|'#'*|';'*) continue ;; esac
    export "\${line%%=*}=\${line#*=}"
  done < "$envfile"
fi
child=0
trap 'stopping=1; [ "$child" -ne 0 ] && kill -TERM "$child"; wait "$child"; exit 0' TERM INT
while :; do
  "$@" &
  child=$!
  wait "$child"; code=$?
  [ -n "\${stopping:-}" ] && exit 0
  echo "threadcast.service: main process exited, status=$code"
  [ "$restart" = "always" ] || exit "$code"
  echo "threadcast.service: scheduled restart in \${delay}s (Restart=always, RestartSec=\${delay})"
  sleep "$delay"
done
`;

/** The unit's EnvironmentFile as the instance's user data writes it: one KEY=VALUE per line, unquoted. */
export function environmentFileContent(environment: Readonly<Record<string, string>>): string {
  for (const [key, value] of Object.entries(environment)) {
    if (!/^[A-Z_][A-Z0-9_]*$/.test(key) || value.includes("\n"))
      throw new Error(`cannot write ${key} to an EnvironmentFile (a name or a value it cannot hold)`);
  }
  return Object.entries(environment)
    .map(([key, value]) => `${key}=${value}`)
    .join("\n")
    .concat("\n");
}

export interface AppContainerOptions {
  readonly image: string;
  readonly jarPath: string;
  readonly unit: ServiceUnit;
  /**
   * What the unit's EnvironmentFile holds (DB_*, JWT_SECRET): written to that path in the container,
   * readable by its owner only, and read by the supervisor as systemd reads it; never in the container's
   * configuration, where `docker inspect` would show it.
   */
  readonly environment: Readonly<Record<string, string>>;
  readonly cpus: number;
  readonly memoryGiB: number;
  readonly owner: string;
  /** The networks the instance sits on: the first is its primary, the others are attached before it starts. */
  readonly networks: readonly { readonly name: string; readonly aliases?: readonly string[] }[];
  /**
   * The Elastic IP's stand-in: 80, 443 and 8080 published on this loopback address with the same port
   * numbers, and `ready` as the readiness check. Without it, the ports go to random ports on 127.0.0.1
   * and readiness is /api/health on 8080.
   */
  readonly entry?: { readonly address: string; readonly ready: WaitStrategy };
  readonly startupTimeoutMs?: number;
  /** Where the app's output is kept (one is made when not given). */
  readonly logs?: LogTail;
}

/** The line the supervisor writes when the unit's process exits (a crash, or a jar that cannot start). */
export const PROCESS_EXITED = /^threadcast\.service: main process exited/;

/**
 * Stands in for the EC2 instance: the jar run by the unit's ExecStart with its environment and restart
 * policy, limited to the instance type's vCPUs and memory. Its network namespace is the instance's:
 * the TLS proxy joins it, so ports 80 and 443 are published here, with 8080 (open in the security group).
 */
export class AppContainer extends GenericContainer {
  private readonly extraNetworks: AppContainerOptions["networks"];
  private readonly address: string;
  /** What the app wrote last, for the error when it does not become healthy. */
  readonly logs: LogTail;

  constructor(options: AppContainerOptions) {
    super(options.image);
    const [primary, ...extra] = options.networks;
    if (!primary) throw new Error("the app container needs at least one network");
    this.extraNetworks = extra;
    this.logs = options.logs ?? new LogTail();
    this.address = options.entry?.address ?? "127.0.0.1";
    this.withNetworkMode(primary.name).withNetworkAliases(...(primary.aliases ?? []));
    const jarInUnit = options.unit.execStart.find((arg) => arg.endsWith(".jar"));
    if (!jarInUnit) throw new Error("the unit's ExecStart runs no jar");
    const envFile = options.unit.environmentFile;
    if (!envFile) throw new Error("the unit has no EnvironmentFile for the app's settings");
    this.withLabels({ [LABEL_OWNER]: options.owner })
      .withCopyFilesToContainer([{ source: options.jarPath, target: jarInUnit }])
      .withCopyContentToContainer([
        { content: environmentFileContent(options.environment), target: envFile, mode: 0o600 },
      ])
      .withResourcesQuota({ memory: options.memoryGiB, cpu: options.cpus })
      .withEntrypoint([
        "sh",
        "-c",
        SUPERVISOR,
        "supervisor",
        options.unit.restart,
        String(options.unit.restartSec),
        envFile,
      ])
      .withCommand([...options.unit.execStart])
      .withLogConsumer(this.logs.consume)
      .withStartupTimeout(options.startupTimeoutMs ?? 180_000);
    if (options.entry) {
      this.withExposedPorts(
        ...[8080, 80, 443].map((port) => ({ container: port, host: port })),
      ).withWaitStrategy(options.entry.ready);
    } else {
      this.withExposedPorts(8080, 80, 443).withWaitStrategy(
        Wait.forHttp("/api/health", 8080).forStatusCode(200),
      );
    }
    if (options.unit.workingDirectory) this.withWorkingDir(options.unit.workingDirectory);
  }

  protected override async beforeContainerCreated(): Promise<void> {
    bindPublishedPortsToLoopback(this.hostConfig, this.address);
  }

  protected override async containerCreated(containerId: string): Promise<void> {
    await attachExtraNetworks(containerId, this.extraNetworks);
  }
}
