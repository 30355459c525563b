import { GenericContainer, Wait } from "testcontainers";
import { LABEL_OWNER } from "../support/cleanup.ts";
import { attachExtraNetworks, type ContainerNetwork } from "./extra-networks.ts";

/** Where the resolver reads its records: every hosts file in this directory, read again when one changes. */
export const DNS_RECORDS_DIR = "/etc/twin-dns/hosts.d";

/** What dnsmasq writes: once it listens, each time it reads a hosts file, and for each query and answer. */
export const DNS_LINES = {
  started: /dnsmasq\[\d+\]: started, version/,
  read: (file: string) => new RegExp(`read ${DNS_RECORDS_DIR}/${file} - \\d+ (names|addresses)`),
} as const;

export interface DnsContainerOptions {
  readonly image: string;
  readonly owner: string;
  /** Its networks, each with its fixed address (the subnet's base + 2, where a VPC has its resolver). */
  readonly networks: readonly [ContainerNetwork, ...ContainerNetwork[]];
  /** The host directory of the records, mounted read-only. */
  readonly recordsDir: string;
}

/**
 * The twin's resolver: Debian's dnsmasq at a fixed address on each of the twin's networks, answering from
 * the hosts files env:up writes and NXDOMAIN for anything else, with every query on its log.
 */
export class DnsContainer extends GenericContainer {
  private readonly networks: readonly ContainerNetwork[];

  constructor(options: DnsContainerOptions) {
    super(options.image);
    this.networks = options.networks;
    this.withNetworkMode(options.networks[0].name)
      .withLabels({ [LABEL_OWNER]: options.owner })
      .withBindMounts([{ source: options.recordsDir, target: DNS_RECORDS_DIR, mode: "ro" }])
      .withWaitStrategy(Wait.forLogMessage(DNS_LINES.started))
      .withStartupTimeout(30_000);
  }

  protected override async containerCreated(containerId: string): Promise<void> {
    await attachExtraNetworks(containerId, this.networks);
  }
}
