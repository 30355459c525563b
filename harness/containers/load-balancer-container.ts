import { readFileSync } from "node:fs";
import { GenericContainer, Wait } from "testcontainers";
import { LABEL_OWNER } from "../support/cleanup.ts";
import type { IssuedCertificate } from "../tls/local-ca.ts";
import type { LoadBalancerTopology } from "../twin/load-balancer-topology.ts";
import { attachExtraNetworks, type ContainerNetwork } from "./extra-networks.ts";
import { LOAD_BALANCER_PATHS, loadBalancerConfig, type LoadBalancerSlots } from "./load-balancer-config.ts";
import { bindPublishedPortsToLoopback } from "./loopback.ts";

/** What HAProxy's master prints once its worker has loaded the configuration and listens. */
export const LOAD_BALANCER_READY = /Loading success/;

export interface LoadBalancerContainerOptions {
  readonly image: string;
  readonly owner: string;
  readonly balancer: LoadBalancerTopology;
  readonly certificate: IssuedCertificate;
  /** Its networks, each with its fixed address when one is given. */
  readonly networks: readonly [ContainerNetwork, ...ContainerNetwork[]];
  /** Its target slots and cookie key; targets are registered at run time (load-balancer-targets.ts). */
  readonly slots: LoadBalancerSlots;
  /** The loopback address its listeners are published on, each on its own port; random ports when absent. */
  readonly entryAddress?: string;
}

/**
 * The twin's application load balancer: Debian's HAProxy with the configuration rendered from the
 * template's ELBv2 resources, the listener's certificate (chain and key in one PEM, mode 0600, never in
 * the container's configuration), published on loopback only.
 */
export class LoadBalancerContainer extends GenericContainer {
  private readonly networks: readonly ContainerNetwork[];
  private readonly address: string;

  constructor(options: LoadBalancerContainerOptions) {
    super(options.image);
    this.networks = options.networks;
    this.address = options.entryAddress ?? "127.0.0.1";
    const ports = [
      ...options.balancer.redirects.map((redirect) => redirect.port),
      options.balancer.https.port,
    ];
    const pem =
      readFileSync(options.certificate.chainFile, "utf8") + readFileSync(options.certificate.keyFile, "utf8");
    this.withNetworkMode(options.networks[0].name)
      .withLabels({ [LABEL_OWNER]: options.owner })
      .withCopyContentToContainer([
        {
          content: loadBalancerConfig(options.balancer, options.slots),
          target: LOAD_BALANCER_PATHS.config,
        },
        { content: pem, target: LOAD_BALANCER_PATHS.certificate, mode: 0o600 },
      ])
      .withExposedPorts(
        ...(options.entryAddress ? ports.map((port) => ({ container: port, host: port })) : ports),
      )
      .withWaitStrategy(Wait.forLogMessage(LOAD_BALANCER_READY))
      .withStartupTimeout(30_000);
  }

  protected override async beforeContainerCreated(): Promise<void> {
    bindPublishedPortsToLoopback(this.hostConfig, this.address);
  }

  protected override async containerCreated(containerId: string): Promise<void> {
    await attachExtraNetworks(containerId, this.networks);
  }
}
