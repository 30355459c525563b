import { LocalstackContainer, type StartedLocalStackContainer } from "@testcontainers/localstack";
import { LABEL_OWNER } from "../support/cleanup.ts";
import { detachFromDefaultBridge } from "./default-bridge.ts";
import { bindPublishedPortsToLoopback } from "./loopback.ts";

/**
 * The AWS emulator: LocalStack on the catalog's image, its gateway published on 127.0.0.1 only,
 * labelled with its owner, with LOCALSTACK_AUTH_TOKEN passed through when the user set one.
 */
export class EmulatorContainer extends LocalstackContainer {
  constructor(image: string, owner: string, authToken?: string) {
    super(image);
    this.withLabels({ [LABEL_OWNER]: owner });
    // An unsupported resource type must fail the deploy, never become an empty "unknown" fallback.
    this.withEnvironment({ CFN_IGNORE_UNSUPPORTED_RESOURCE_TYPES: "0" });
    if (authToken !== undefined) this.withEnvironment({ LOCALSTACK_AUTH_TOKEN: authToken });
  }

  private onTwinNetwork = false;

  /**
   * Places the emulator on the twin's public network only, as `alias` (AWS's endpoints as the twin's
   * containers reach them), with its gateway still published on 127.0.0.1 for the harness.
   */
  onNetwork(network: string, alias: string): this {
    this.onTwinNetwork = true;
    return this.withNetworkMode(network).withNetworkAliases(alias);
  }

  protected override async beforeContainerCreated(): Promise<void> {
    await super.beforeContainerCreated();
    bindPublishedPortsToLoopback(this.hostConfig);
  }

  protected override async containerCreated(containerId: string): Promise<void> {
    if (this.onTwinNetwork) await detachFromDefaultBridge(containerId);
  }
}

/** The CloudFormation resource types the running emulator implements (lower-case), read from its plugins. */
export async function emulatorResourceTypes(emulator: StartedLocalStackContainer): Promise<Set<string>> {
  const listed = await emulator.exec([
    "python",
    "-c",
    "from importlib.metadata import entry_points\nfor e in entry_points(group='localstack.cloudformation.resource_providers'): print(e.name)",
  ]);
  if (listed.exitCode !== 0)
    throw new Error(`cannot list the emulator's CloudFormation types: ${listed.output}`);
  return new Set(
    listed.output
      .split("\n")
      .map((line) => line.trim().toLowerCase())
      .filter((line) => line.startsWith("aws::")),
  );
}
