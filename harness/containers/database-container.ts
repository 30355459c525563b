import { randomBytes } from "node:crypto";
import { PostgreSqlContainer } from "@testcontainers/postgresql";
import { Wait } from "testcontainers";
import { LABEL_OWNER } from "../support/cleanup.ts";
import { detachFromDefaultBridge } from "./default-bridge.ts";
import { useResolver } from "./extra-networks.ts";
import { bindPublishedPortsToLoopback } from "./loopback.ts";

/** Where PostgreSQL keeps its cluster in the catalog's image (PGDATA). */
export const PGDATA = "/var/lib/postgresql/data";

/** Ready when the server accepts connections on TCP (the first-start server listens on its socket only). */
export const DATABASE_READY_COMMAND =
  'pg_isready --host 127.0.0.1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB"';

/**
 * PostgreSQL (stands in for RDS) on the catalog's image: a password generated per container (no fixed
 * default), the port published on 127.0.0.1 only, labelled with its owner.
 */
export class DatabaseContainer extends PostgreSqlContainer {
  constructor(image: string, owner: string) {
    super(image);
    // testcontainers' default health check carries the password in the container's configuration;
    // pg_isready needs none.
    this.withLabels({ [LABEL_OWNER]: owner })
      .withPassword(randomBytes(18).toString("base64url"))
      // Each check is an exec (a shell, pg_isready, a connection): every 250 ms that kept 12% of a core
      // busy for as long as the twin ran; once a second costs ~3% and at most a second at start, which
      // env:up does not wait for (the database starts beside the deploy).
      .withHealthCheck({
        test: ["CMD-SHELL", DATABASE_READY_COMMAND],
        interval: 1_000,
        timeout: 1000,
        retries: 1000,
      });
  }

  private isolated = false;

  /**
   * Places the database on `network` only (the twin's internal private network), reachable there as
   * `alias` and from nowhere else: no default bridge, no published port. Readiness is its health check.
   */
  isolatedOn(network: string, alias: string): this {
    this.isolated = true;
    // No published port: a port can only be published from a network with a route out, and none is wanted.
    this.exposedPorts = [];
    this.createOpts.ExposedPorts = {};
    this.hostConfig.PortBindings = {};
    return this.withNetworkMode(network).withNetworkAliases(alias).withWaitStrategy(Wait.forHealthCheck());
  }

  /** Resolves names through the twin's resolver (Docker's embedded DNS forwards to it what it cannot answer). */
  resolvingThrough(resolver: string): this {
    useResolver(this.hostConfig, [resolver]);
    return this;
  }

  protected override async beforeContainerCreated(): Promise<void> {
    bindPublishedPortsToLoopback(this.hostConfig);
  }

  protected override async containerCreated(containerId: string): Promise<void> {
    if (this.isolated) await detachFromDefaultBridge(containerId);
  }
}
