import type { StackArtifact, TemplateResource } from "./cloud-assembly.ts";
import type { EmulatorClients } from "./emulator-clients.ts";
import type { Replacement } from "./template-rewrite.ts";

/**
 * How the twin provides a resource of the synthesized templates:
 * - `emulator`: LocalStack's CloudFormation engine creates it (and, for a few types, the harness
 *   completes what the engine ignored);
 * - `service-api`: its CloudFormation type is missing (or cannot work) in LocalStack community, so the
 *   harness removes it from the emulator's copy of the template and makes it through the service's API;
 * - `stand-in`: a container of the twin plays it (the template's copy is removed, references get the
 *   stand-in's values);
 * - `unsupported`: none of the above; the deploy refuses to start.
 */
export type Coverage = "emulator" | "service-api" | "stand-in" | "unsupported";

/** What a before-deploy step is given: the resource about to leave the emulator's template. */
export interface BeforeDeploy {
  readonly stack: StackArtifact;
  readonly logicalId: string;
  readonly resource: TemplateResource;
  /** The account every stack deploys to in the emulator. */
  readonly account: string;
  /** The emulator's clients for the stack's region. */
  readonly clients: EmulatorClients;
  /** What this resource was given in the environment's earlier deploy, when it had one. */
  readonly previous?: Replacement;
}

/** What an after-deploy step is given: the deployed stack, and what the rewrite put in its resource's place. */
export interface AfterDeploy {
  readonly stack: StackArtifact;
  readonly logicalId: string;
  /** The resource's properties in the synthesized template (not the emulator's rewritten copy). */
  readonly properties: Readonly<Record<string, unknown>>;
  /** The emulator's clients for the stack's region. */
  readonly clients: EmulatorClients;
  /**
   * A template value as deployed: a literal, or the physical id behind a Ref or Fn::GetAtt. Throws a
   * DeployError naming this resource when the stack has no such resource.
   */
  readonly resolve: (value: unknown) => string;
  /** The values the rewrite gave the stack's removed resources, by logical id. */
  readonly replacements: ReadonlyMap<string, Replacement>;
  /**
   * For an entry with `evaluatesProperties`: the resource's properties with every intrinsic function
   * (Fn::Join, Fn::Base64, Ref, Fn::GetAtt...) as the emulator evaluated it. Otherwise undefined.
   */
  readonly evaluated?: Readonly<Record<string, unknown>>;
}

interface EntryBase {
  /** The CloudFormation type, e.g. AWS::EC2::EIP. */
  readonly type: string;
  /** One line for the coverage table: what provides the resource in the twin. */
  readonly how: string;
  /** Service-API calls once the stacks are deployed. */
  readonly afterDeploy?: (context: AfterDeploy) => Promise<void>;
}

/**
 * A type the emulator cannot create: it leaves the emulator's copy of the template, and references to it
 * get what `beforeDeploy` answers (after any service-API calls that make the real thing).
 */
export interface RemovedType extends EntryBase {
  readonly coverage: Extract<Coverage, "service-api" | "stand-in">;
  readonly beforeDeploy: (context: BeforeDeploy) => Promise<Replacement>;
  /**
   * Whether the after-deploy step needs the resource's properties evaluated: the emulator's copy of the
   * template then carries one output per intrinsic function in them (TwinProperty<n>Of<logicalId>).
   */
  readonly evaluatesProperties?: true;
}

/**
 * A type the emulator creates while ignoring part of it: it stays in the template (and is classified
 * `emulator` only when the emulator implements it), and `afterDeploy` completes it.
 */
export interface CompletedType extends EntryBase {
  readonly coverage: Extract<Coverage, "emulator">;
  readonly afterDeploy: (context: AfterDeploy) => Promise<void>;
}

/** One entry of the stand-in registry: how the twin provides a type that the emulator alone does not. */
export type StandInEntry = RemovedType | CompletedType;
