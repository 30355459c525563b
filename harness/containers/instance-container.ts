import { basename } from "node:path";
import { GenericContainer, type WaitStrategy } from "testcontainers";
import { LABEL_OWNER } from "../support/cleanup.ts";
import type { IssuedCertificate } from "../tls/local-ca.ts";
import { attachExtraNetworks, useResolver, type ContainerNetwork } from "./extra-networks.ts";
import { LogTail } from "./log-tail.ts";
import { bindPublishedPortsToLoopback } from "./loopback.ts";

/** Where the instance image's boot (fixtures/images/instance) looks for what EC2 and a release hand it. */
export const INSTANCE_PATHS = {
  userData: "/var/lib/cloud/instance/user-data.txt",
  awsConfig: "/root/.aws/config",
  awsCredentials: "/root/.aws/credentials",
  releaseUnit: "/var/lib/instance/release/unit",
  releaseJar: "/var/lib/instance/release/app.jar",
  releaseFiles: "/var/lib/instance/release/files",
  releaseSettings: "/var/lib/instance/release/extra.env",
  releaseSettingsOverride: "/var/lib/instance/release/env-override",
  /** The egress guard's log group: the boot waits until its recorder listens before it runs anything. */
  egressGuard: "/var/lib/instance/release/egress-guard",
  nginxTls: "/etc/nginx/tls",
  /**
   * The environment's CA, trusted by the machine image as the public roots are on Amazon Linux: the
   * boot adds it to the system store (and Java's) before the user data runs. Phase 2's broker has a
   * certificate from it, as Amazon MQ's is from a public CA.
   */
  trustedCa: "/usr/local/share/ca-certificates/threadcast-twin-ca.crt",
} as const;

/** The lines the boot writes: the user data's end, its failing line, and a unit's process ending. */
export const BOOT_LINES = {
  userDataFinished: /^\[cloud-init\] user data finished in (\d+) ms/,
  userDataStarted: /^\[cloud-init\] user data started/,
  releaseFailed: /^\[release\] failed: /,
  /** Either failure: the user data's line, or a release the boot could not lay. */
  failed: /^\[cloud-init\] user data failed|^\[release\] failed: /,
  stoodIn: /^\[stood-in\] /,
} as const;

/** The AWS CLI's profile in the instance: the emulator on the twin's network, its fixed test credentials. */
export function awsProfile(endpoint: string, region: string): { config: string; credentials: string } {
  return {
    config: `[default]\nregion = ${region}\nendpoint_url = ${endpoint}\n`,
    credentials: "[default]\naws_access_key_id = test\naws_secret_access_key = test\n",
  };
}

/** What a release pipeline hands the instance, laid by its boot after the user data ran. */
export interface InstanceRelease {
  /** The unit file the user data writes (its name is the unit's); the jar goes to its ExecStart's path. */
  readonly unitFile: string;
  readonly jarPath: string;
  /** Files laid into the unit's WorkingDirectory at `path` (relative), with their permission bits. */
  readonly files?: readonly { readonly source: string; readonly path: string; readonly mode: number }[];
  /** KEY=VALUE lines added to the unit's EnvironmentFile after the user data wrote it. */
  readonly settings?: string;
  /** The settings may replace keys the user data wrote (else the boot refuses them). */
  readonly settingsOverride?: boolean;
}

export interface InstanceContainerOptions {
  readonly image: string;
  /** The user data as the emulator's EC2 hands it over: run once, as root, at first boot. */
  readonly userData: string;
  /** The emulator's endpoint as the instance reaches it, and the region its CLI calls. */
  readonly emulator: { readonly endpoint: string; readonly region: string };
  /** The release: the unit that runs it (a file the user data writes), the jar, the files beside it. */
  readonly release: InstanceRelease;
  /** The certificate for api.<domain>, installed where the user data's nginx expects it (as an operator would). */
  readonly certificate: IssuedCertificate;
  /** The environment's CA certificate, when the instance must verify a certificate from it (see INSTANCE_PATHS). */
  readonly trustedCa?: string;
  readonly cpus: number;
  readonly memoryGiB: number;
  readonly owner: string;
  /** The first network is its primary; the others are attached before it starts (each with its fixed address, if any). */
  readonly networks: readonly ContainerNetwork[];
  /** The twin's resolver (its address on the instance's networks): the instance's DNS server. */
  readonly resolvers?: readonly string[];
  /**
   * The Elastic IP's stand-in: 80, 443 and 8080 published on this loopback address with the same port
   * numbers. Without it, they go to random ports on 127.0.0.1.
   */
  readonly entry?: { readonly address: string };
  /** False: nothing published at all (phase 2's instances are reached on the twin's network only). */
  readonly publish?: false;
  readonly ready: WaitStrategy;
  /**
   * The egress guard: its log group (the boot waits for a listener on it) and what puts it into the
   * started container's namespace, called as soon as the container runs.
   */
  readonly egressGuard?: { readonly group: number; readonly put: (containerId: string) => Promise<void> };
  readonly startupTimeoutMs?: number;
  readonly logs?: LogTail;
}

/**
 * The EC2 instance's stand-in, built the way the deploy builds the instance: the image's boot runs the
 * user data the emulator hands over (the real AWS CLI and jq against the emulator's Secrets Manager
 * write the environment file; the unit and nginx's configuration are the ones it writes), then lays the
 * release into the unit's WorkingDirectory and starts the unit, limited to the instance type's vCPUs and
 * memory. No secret is in its configuration: the user data fetches them inside.
 */
export class InstanceContainer extends GenericContainer {
  private readonly networks: InstanceContainerOptions["networks"];
  private readonly address: string;
  private readonly guard: InstanceContainerOptions["egressGuard"];
  private containerId = "";
  readonly logs: LogTail;

  constructor(options: InstanceContainerOptions) {
    super(options.image);
    const [primary, ...extra] = options.networks;
    if (!primary) throw new Error("the instance container needs at least one network");
    this.networks = [primary, ...extra];
    this.logs = options.logs ?? new LogTail(200);
    this.address = options.entry?.address ?? "127.0.0.1";
    this.guard = options.egressGuard;
    const profile = awsProfile(options.emulator.endpoint, options.emulator.region);
    const unit = basename(options.release.unitFile).replace(/\.service$/, "");
    this.withNetworkMode(primary.name)
      .withNetworkAliases(...(primary.aliases ?? []))
      .withLabels({ [LABEL_OWNER]: options.owner })
      .withCopyContentToContainer([
        { content: options.userData, target: INSTANCE_PATHS.userData, mode: 0o700 },
        { content: profile.config, target: INSTANCE_PATHS.awsConfig, mode: 0o600 },
        { content: profile.credentials, target: INSTANCE_PATHS.awsCredentials, mode: 0o600 },
        { content: `${unit}\n`, target: INSTANCE_PATHS.releaseUnit, mode: 0o600 },
        ...(options.release.settings === undefined
          ? []
          : [{ content: options.release.settings, target: INSTANCE_PATHS.releaseSettings, mode: 0o600 }]),
        ...(options.release.settingsOverride
          ? [{ content: "1\n", target: INSTANCE_PATHS.releaseSettingsOverride, mode: 0o600 }]
          : []),
        ...(options.egressGuard
          ? [{ content: `${options.egressGuard.group}\n`, target: INSTANCE_PATHS.egressGuard, mode: 0o600 }]
          : []),
      ])
      .withCopyFilesToContainer([
        { source: options.release.jarPath, target: INSTANCE_PATHS.releaseJar, mode: 0o600 },
        ...(options.release.files ?? []).map((file) => ({
          source: file.source,
          target: `${INSTANCE_PATHS.releaseFiles}/${file.path}`,
          mode: file.mode,
        })),
        { source: options.certificate.chainFile, target: `${INSTANCE_PATHS.nginxTls}/fullchain.pem` },
        {
          source: options.certificate.keyFile,
          target: `${INSTANCE_PATHS.nginxTls}/privkey.pem`,
          mode: 0o600,
        },
        ...(options.trustedCa
          ? [{ source: options.trustedCa, target: INSTANCE_PATHS.trustedCa, mode: 0o644 }]
          : []),
      ])
      .withResourcesQuota({ memory: options.memoryGiB, cpu: options.cpus })
      .withLogConsumer(this.logs.consume)
      .withStartupTimeout(options.startupTimeoutMs ?? 180_000)
      .withWaitStrategy(options.ready);
    useResolver(this.hostConfig, options.resolvers);
    if (options.entry)
      this.withExposedPorts(...[8080, 80, 443].map((port) => ({ container: port, host: port })));
    else if (options.publish !== false) this.withExposedPorts(8080, 80, 443);
  }

  protected override async beforeContainerCreated(): Promise<void> {
    bindPublishedPortsToLoopback(this.hostConfig, this.address);
  }

  protected override async containerCreated(containerId: string): Promise<void> {
    this.containerId = containerId;
    await attachExtraNetworks(containerId, this.networks);
  }

  protected override async containerStarting(): Promise<void> {
    await this.guard?.put(this.containerId);
  }
}
