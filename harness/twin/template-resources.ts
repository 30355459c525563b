import { HarnessError } from "../errors.ts";
import type { TemplateResource } from "../cdk/cloud-assembly.ts";

/** A synthesized template's Resources section, by logical id. */
export type Resources = Readonly<Record<string, TemplateResource>>;

/** The logical id a `{ Ref }` names, or undefined for anything else. */
export const refOf = (value: unknown): string | undefined => (value as { Ref?: string } | undefined)?.Ref;

/** Every resource of `type`, as [logical id, resource]. */
export function ofType(resources: Resources, type: string): [string, TemplateResource][] {
  return Object.entries(resources).filter(([, resource]) => resource.Type === type);
}

/** The one resource of `type` (`what` says what it is); refuses none or several. */
export function only(resources: Resources, type: string, what: string): [string, TemplateResource] {
  const found = ofType(resources, type);
  if (found.length !== 1) {
    throw new HarnessError(
      `the twin needs exactly one ${type} (${what}); the templates have ${found.length}`,
    );
  }
  return found[0] as [string, TemplateResource];
}
