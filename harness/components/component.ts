import type { HarnessConfig } from "../config.ts";
import type { ComponentName } from "../images/catalog.ts";
import type { ImageResolver, ResolvedImage } from "../images/image-resolver.ts";
import type { LocalCa } from "../tls/local-ca.ts";
import type { EntryPoints } from "../twin/entry-points.ts";
import type { StartGraph } from "../twin/start-graph.ts";
import type { ServiceUnit } from "../twin/systemd-unit.ts";
import type { Topology } from "../twin/topology.ts";
import type { KeptState } from "../twin/kept-state.ts";
import type { DeployedTwin } from "../twin/twin-setup.ts";
import type { ResumeLog } from "./resume.ts";

/** The twin's two networks, as the subnets' routes make them: public, and private (internal). */
export interface TwinNetworks {
  readonly public: string;
  readonly private: string;
  /** The fixed addresses in them (harness/twin/twin-networks.ts): no restart or repair moves these. */
  readonly addresses: TwinAddresses;
  /** The networks' subnets (CIDR): where the twin's namespaces may send (harness/components/egress.ts). */
  readonly subnets: { readonly public: string; readonly private: string };
}

export interface TwinAddresses {
  /** The twin's resolver on each network (every container's DNS server). */
  readonly resolver: { readonly public: string; readonly private: string };
  /**
   * Where the API's public name leads inside the twin, on the public network: the instance (the Elastic
   * IP's stand-in) in phase 1, the load balancer in phase 2 (its instances take addresses Docker picks).
   */
  readonly app: string;
  /** The edge on the public network: where the distribution's alias records lead inside the twin. */
  readonly edge: string;
}

/**
 * What every start-up step produces, keyed by the step's id. The twin's own steps are here; each
 * component module adds its steps to this interface (declaration merging), so a new component is one
 * new module and one line in the list.
 */
/** Each catalog image as a step of its own (found, pulled or built), so a component waits for its image only. */
type ImageSteps = { [K in ComponentName as `image:${K}`]: string };

export interface TwinSteps extends ImageSteps {
  networks: TwinNetworks;
  /** The environment's CA: kept from an earlier run while it stays valid for a day, else made now (created). */
  ca: LocalCa & { readonly created: boolean };
  images: Readonly<Record<ComponentName, ResolvedImage>>;
  /** The stacks deployed to the emulator, and everything read back from them. */
  deploy: DeployedTwin;
}

export type TwinGraph = StartGraph<TwinSteps>;

/** One instance of a component kind: its container's short name, and the step that leaves it started. */
export interface ComponentInstance {
  /** The instance's name: the container is tc-<environment>-<name>, its component label is <name>. */
  readonly name: string;
  /** The start-up step whose result is the instance's started container (or a group of them). */
  readonly step: keyof TwinSteps;
  /** When the step starts a group (the Auto Scaling group's instances): which of its members this is. */
  readonly member?: number;
}

/** What a step that starts several instances returns: each instance's name and container, in order. */
export interface StartedGroup {
  readonly members: readonly { readonly name: string; readonly container: { getId(): string } }[];
}

/** The container of `instance` in its step's result (a container, or one member of a group). */
export function containerOf(result: unknown, instance: ComponentInstance): { getId(): string } {
  if (instance.member === undefined) return result as { getId(): string };
  const member = (result as StartedGroup).members[instance.member];
  if (!member) throw new Error(`step ${String(instance.step)} started no member ${instance.member}`);
  return member.container;
}

/**
 * What decides a kind's instances: the phase, and in phase 2 the group (its size is unknown before the
 * deploy) or, in a running environment, the names of the group's instances it has now.
 */
export type InstanceShape = Pick<Topology, "phase" | "fleet"> & { readonly members?: readonly string[] };

/** What a component needs to add its start-up steps to an environment's graph. */
export interface PlanContext {
  readonly config: HarnessConfig;
  readonly environment: string;
  /** The owner label's value on everything of the environment. */
  readonly owner: string;
  /** The environment's directory (CA, certificates, generated files). */
  readonly dir: string;
  readonly entries: EntryPoints;
  readonly resolver: ImageResolver;
  readonly labels: (instance: string) => Record<string, string>;
  readonly containerName: (instance: string) => string;
  /** What env:up found of the environment and what it does with each instance (see resume.ts). */
  readonly resume: ResumeLog;
  /** The values kept from the environment's earlier runs, when it has been up before with its data. */
  readonly kept?: KeptState;
}

/** What a component needs to render its docker-compose service(s). */
export interface ComposeContext {
  readonly environment: string;
  /** The fixed addresses, as compose interpolates them (its subnets may be moved by the user). */
  readonly addresses: TwinAddresses;
  readonly images: Readonly<Record<ComponentName, string>>;
  readonly topology: Topology;
  readonly entries: EntryPoints;
  readonly unit: ServiceUnit;
  readonly regions: readonly string[];
  /** A service with the instance's container name and labels. */
  readonly service: (instance: string, body: Record<string, unknown>) => Record<string, unknown>;
}

/**
 * A kind of component of the twin (the emulator, the database, the app, ...): what it stands in for, its
 * image, its instances, how it starts (as steps of the start-up graph, each declaring what it needs, with
 * its readiness wait), and its docker-compose service rendered from the same definition.
 */
export interface ComponentKind {
  readonly kind: string;
  /** The CloudFormation resource types it stands in for (empty for the emulator: the account itself). */
  readonly standsIn: readonly string[];
  /** A few words for env:status and the docs. */
  readonly summary: string;
  /** The catalog image its containers run. */
  readonly image: ComponentName;
  /**
   * Its instances: count and names (one for each kind in phase 1; phase 2's group has one per
   * instance of its desired capacity). Phase 1 when no shape is given.
   */
  instances(shape?: InstanceShape): readonly ComponentInstance[];
  /** Adds its start-up steps to the graph; the result of each instance's step is its started container. */
  plan(graph: TwinGraph, context: PlanContext): void;
  /** Its docker-compose services, keyed by service name. */
  compose(context: ComposeContext): Record<string, Record<string, unknown>>;
  /** Whether a failed scenario prints the tail of its log (all logs are saved either way). */
  readonly tailOnFailure?: boolean;
}

/** A kind with one instance named after it, started by the step of the same name. */
export function singleInstance(kind: string, step: keyof TwinSteps): () => readonly ComponentInstance[] {
  return () => [{ name: kind, step }];
}
