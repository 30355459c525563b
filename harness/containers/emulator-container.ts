import { LocalstackContainer } from "@testcontainers/localstack";

/** LocalStack's gateway port, inside the container and on the entry-point address alike. */
export const LOCALSTACK_PORT = 4566;

/** The emulator's name on the twin's public network: AWS's endpoints as the twin's containers reach them. */
export const EMULATOR_HOST = "aws.twin.internal";

/** The emulator as the twin's own containers reach it. */
export const EMULATOR_IN_TWIN = `http://${EMULATOR_HOST}:${LOCALSTACK_PORT}`;
import { LABEL_OWNER } from "../support/cleanup.ts";
import { run } from "../support/run.ts";
import { detachFromDefaultBridge } from "./default-bridge.ts";
import { useResolver } from "./extra-networks.ts";
import { bindPublishedPortsToLoopback } from "./loopback.ts";

/**
 * LocalStack's AWS SDK asked the instance metadata service (169.254.169.254:80) for credentials four
 * times during a deploy: from the host's network that is the machine's own metadata service on a cloud
 * VM. Its egress guard blocks it; this stops it asking.
 */
export const EMULATOR_SETTINGS = { AWS_EC2_METADATA_DISABLED: "true" } as const;

/**
 * The AWS emulator: LocalStack on the catalog's image, its gateway published on 127.0.0.1 only,
 * labelled with its owner, with LOCALSTACK_AUTH_TOKEN passed through when the user set one.
 */
export class EmulatorContainer extends LocalstackContainer {
  constructor(image: string, owner: string, authToken?: string) {
    super(image);
    this.withLabels({ [LABEL_OWNER]: owner });
    // An unsupported resource type must fail the deploy, never become an empty "unknown" fallback.
    this.withEnvironment({ CFN_IGNORE_UNSUPPORTED_RESOURCE_TYPES: "0", ...EMULATOR_SETTINGS });
    if (authToken !== undefined) this.withEnvironment({ LOCALSTACK_AUTH_TOKEN: authToken });
  }

  private onTwinNetwork = false;
  private address = "127.0.0.1";

  /** Publishes the gateway on a loopback entry-point address with its own port number (4566). */
  publishedOn(address: string): this {
    this.address = address;
    this.exposedPorts = [];
    this.createOpts.ExposedPorts = {};
    this.hostConfig.PortBindings = {};
    return this.withExposedPorts({ container: LOCALSTACK_PORT, host: LOCALSTACK_PORT });
  }

  /**
   * Places the emulator on the twin's public network only, as `aliases` (AWS's endpoints as the twin's
   * containers reach them), with its gateway still published on 127.0.0.1 for the harness.
   */
  onNetwork(network: string, ...aliases: [string, ...string[]]): this {
    this.onTwinNetwork = true;
    return this.withNetworkMode(network).withNetworkAliases(...aliases);
  }

  /** Resolves names through the twin's resolver (Docker's embedded DNS forwards to it what it cannot answer). */
  resolvingThrough(resolver: string): this {
    useResolver(this.hostConfig, [resolver]);
    return this;
  }

  protected override async beforeContainerCreated(): Promise<void> {
    await super.beforeContainerCreated();
    bindPublishedPortsToLoopback(this.hostConfig, this.address);
  }

  protected override async containerCreated(containerId: string): Promise<void> {
    if (this.onTwinNetwork) await detachFromDefaultBridge(containerId);
  }
}

/** Python run inside the emulator: prints the CloudFormation resource types its plugins implement. */
export const LIST_RESOURCE_TYPES_PY =
  "from importlib.metadata import entry_points\nfor e in entry_points(group='localstack.cloudformation.resource_providers'): print(e.name)";

/** The resource types (lower-case) in what {@link LIST_RESOURCE_TYPES_PY} printed. */
export function parseResourceTypes(output: string): Set<string> {
  return new Set(
    output
      .split("\n")
      .map((line) => line.trim().toLowerCase())
      .filter((line) => line.startsWith("aws::")),
  );
}

/** The CloudFormation resource types the running emulator implements (lower-case), read from its plugins. */
export async function emulatorResourceTypes(emulator: { getId(): string }): Promise<Set<string>> {
  const listed = await run("docker", ["exec", emulator.getId(), "python", "-c", LIST_RESOURCE_TYPES_PY]);
  if (listed.code !== 0)
    throw new Error(`cannot list the emulator's CloudFormation types: ${listed.stdout}${listed.stderr}`);
  return parseResourceTypes(listed.stdout);
}
