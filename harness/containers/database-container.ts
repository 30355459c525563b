import { randomBytes } from "node:crypto";
import { PostgreSqlContainer } from "@testcontainers/postgresql";
import { LABEL_OWNER } from "../support/cleanup.ts";
import { bindPublishedPortsToLoopback } from "./loopback.ts";

/**
 * PostgreSQL (stands in for RDS) on the catalog's image: a password generated per container (no fixed
 * default), the port published on 127.0.0.1 only, labelled with its owner.
 */
export class DatabaseContainer extends PostgreSqlContainer {
  constructor(image: string, owner: string) {
    super(image);
    this.withLabels({ [LABEL_OWNER]: owner }).withPassword(randomBytes(18).toString("base64url"));
  }

  protected override async beforeContainerCreated(): Promise<void> {
    bindPublishedPortsToLoopback(this.hostConfig);
  }
}
