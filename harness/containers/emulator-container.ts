import { LocalstackContainer } from "@testcontainers/localstack";
import { LABEL_OWNER } from "../support/cleanup.ts";
import { bindPublishedPortsToLoopback } from "./loopback.ts";

/**
 * The AWS emulator: LocalStack on the catalog's image, its gateway published on 127.0.0.1 only,
 * labelled with its owner, with LOCALSTACK_AUTH_TOKEN passed through when the user set one.
 */
export class EmulatorContainer extends LocalstackContainer {
  constructor(image: string, owner: string, authToken?: string) {
    super(image);
    this.withLabels({ [LABEL_OWNER]: owner });
    if (authToken !== undefined) this.withEnvironment({ LOCALSTACK_AUTH_TOKEN: authToken });
  }

  protected override async beforeContainerCreated(): Promise<void> {
    await super.beforeContainerCreated();
    bindPublishedPortsToLoopback(this.hostConfig);
  }
}
