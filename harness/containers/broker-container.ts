import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { GenericContainer, Wait } from "testcontainers";
import { LABEL_OWNER } from "../support/cleanup.ts";
import { run } from "../support/run.ts";
import type { IssuedCertificate } from "../tls/local-ca.ts";
import { useResolver } from "./extra-networks.ts";

/** Where the broker image (fixtures/images/broker) reads its user, key store and key-store password. */
export const BROKER_FILES = {
  user: "/run/twin-broker/user.properties",
  keyStore: "/run/twin-broker/broker.p12",
  /** KahaDB's message store (fixtures/images/broker/activemq.xml), owned by the image's activemq user. */
  data: "/var/lib/activemq/data",
} as const;

/** The line ActiveMQ logs once its STOMP-over-TLS connector accepts connections. */
export const BROKER_STARTED = /Connector stomp\+ssl started/;

export interface BrokerContainerOptions {
  readonly image: string;
  readonly owner: string;
  /** The private network and the name the deployed endpoint gives the broker there. */
  readonly network: string;
  readonly host: string;
  readonly resolver: string;
  readonly certificate: IssuedCertificate;
  readonly user: { readonly username: string; readonly password: string };
  /** The broker instance type's memory (mq.t3.micro: 1 GiB) and vCPUs. */
  readonly limits: { readonly memoryGiB: number; readonly cpus: number };
  /** The volume its persistent messages are kept on (a fresh one takes the image's empty, owned directory). */
  readonly dataVolume: string;
}

/** The certificate and its key as a PKCS12 key store for ActiveMQ, its password given on stdin only. */
export async function keyStore(certificate: IssuedCertificate, password: string): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), "twin-broker-"));
  const out = join(dir, "broker.p12");
  try {
    const child = promisify(execFile)("openssl", [
      "pkcs12",
      "-export",
      "-in",
      certificate.chainFile,
      "-inkey",
      certificate.keyFile,
      "-out",
      out,
      "-passout",
      "stdin",
    ]);
    child.child.stdin?.end(`${password}\n`);
    await child;
    return await readFile(out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Amazon MQ for ActiveMQ's stand-in: on the private network only, by the endpoint's name, STOMP over
 * TLS with a certificate for that name. Its user and key-store password are files copied in before it
 * starts (the image makes them its own user's, mode 0400), never its configuration.
 */
export class BrokerContainer extends GenericContainer {
  private constructor(options: BrokerContainerOptions, store: Buffer, storePassword: string) {
    super(options.image);
    useResolver(this.hostConfig, [options.resolver]);
    this.withLabels({ [LABEL_OWNER]: options.owner })
      .withNetworkMode(options.network)
      .withNetworkAliases(options.host)
      .withResourcesQuota({ memory: options.limits.memoryGiB, cpu: options.limits.cpus })
      .withBindMounts([{ source: options.dataVolume, target: BROKER_FILES.data }])
      .withCopyContentToContainer([
        { content: store, target: BROKER_FILES.keyStore, mode: 0o400 },
        {
          content: `broker.username=${options.user.username}\nbroker.password=${options.user.password}\nbroker.keystorePassword=${storePassword}\n`,
          target: BROKER_FILES.user,
          mode: 0o400,
        },
      ])
      .withWaitStrategy(Wait.forLogMessage(BROKER_STARTED))
      .withStartupTimeout(120_000);
  }

  /** A broker container with a key store made now, under a password generated for it alone. */
  static async create(options: BrokerContainerOptions): Promise<BrokerContainer> {
    const storePassword = randomBytes(18).toString("base64url");
    return new BrokerContainer(options, await keyStore(options.certificate, storePassword), storePassword);
  }
}

/** True when the broker accepts TCP on its STOMP port, asked from inside (its loopback is never firewalled). */
export async function brokerListening(id: string, port: number): Promise<boolean> {
  const answered = await run("docker", ["exec", id, "bash", "-c", `exec 3<>/dev/tcp/127.0.0.1/${port}`]);
  return answered.code === 0;
}
