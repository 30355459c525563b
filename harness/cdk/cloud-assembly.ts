import { readFileSync } from "node:fs";
import { join } from "node:path";

/** A CloudFormation template as synthesized (only the parts the harness reads). */
export interface Template {
  Resources: Record<string, TemplateResource>;
  Outputs?: Record<string, { Value: unknown; Export?: unknown; Description?: string }>;
  Parameters?: Record<string, unknown>;
  [section: string]: unknown;
}

export interface TemplateResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
  [key: string]: unknown;
}

export interface StackArtifact {
  readonly artifactId: string;
  readonly stackName: string;
  /** `aws://account/region` */
  readonly environment: string;
  readonly region: string;
  readonly templateFile: string;
  readonly template: Template;
}

interface Manifest {
  artifacts?: Record<
    string,
    { type: string; environment?: string; properties?: { templateFile?: string; stackName?: string } }
  >;
}

/** The CloudFormation stacks of a synthesized cloud assembly directory (`cdk.out`). */
export function readStacks(assemblyDir: string): StackArtifact[] {
  const manifest = JSON.parse(readFileSync(join(assemblyDir, "manifest.json"), "utf8")) as Manifest;
  const stacks: StackArtifact[] = [];
  for (const [artifactId, artifact] of Object.entries(manifest.artifacts ?? {})) {
    if (artifact.type !== "aws:cloudformation:stack" || !artifact.properties?.templateFile) continue;
    const templateFile = join(assemblyDir, artifact.properties.templateFile);
    const environment = artifact.environment ?? "aws://unknown-account/unknown-region";
    stacks.push({
      artifactId,
      stackName: artifact.properties.stackName ?? artifactId,
      environment,
      region: environment.split("/").at(-1) ?? "unknown-region",
      templateFile,
      template: JSON.parse(readFileSync(templateFile, "utf8")) as Template,
    });
  }
  return stacks;
}
