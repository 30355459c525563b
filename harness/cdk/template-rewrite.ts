import type { Template } from "./cloud-assembly.ts";

/** What stands in for a removed resource: the value of its Ref and of each attribute it is asked for. */
export interface Replacement {
  readonly ref: unknown;
  readonly attributes?: Readonly<Record<string, unknown>>;
}

/** The stand-ins' values by stack name and logical id, as plain data (kept between deploys). */
export type KeptReplacements = Readonly<Record<string, Readonly<Record<string, Replacement>>>>;

export class TemplateRewriteError extends Error {
  override name = "TemplateRewriteError";
}

function attribute(replacements: ReadonlyMap<string, Replacement>, id: string, name: string): unknown {
  const value = replacements.get(id)?.attributes?.[name];
  if (value === undefined) {
    throw new TemplateRewriteError(
      `${id}.${name} is referenced, but the twin has no value for that attribute of ${id}`,
    );
  }
  return value;
}

function substituteSub(text: string, replacements: ReadonlyMap<string, Replacement>): string {
  return text.replace(/\$\{([A-Za-z0-9]+)(?:\.([A-Za-z0-9.]+))?\}/g, (whole, id: string, name?: string) => {
    if (!replacements.has(id)) return whole;
    const value = name ? attribute(replacements, id, name) : replacements.get(id)?.ref;
    if (typeof value !== "string") {
      throw new TemplateRewriteError(
        `\${${id}${name ? `.${name}` : ""}} in Fn::Sub needs a literal value from the twin`,
      );
    }
    return value;
  });
}

function rewrite(value: unknown, replacements: ReadonlyMap<string, Replacement>): unknown {
  if (Array.isArray(value)) return value.map((item) => rewrite(item, replacements));
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value);
  if (entries.length === 1) {
    const [key, argument] = entries[0] as [string, unknown];
    if (key === "Ref" && typeof argument === "string" && replacements.has(argument)) {
      return replacements.get(argument)?.ref;
    }
    if (key === "Fn::GetAtt") {
      const [id, name] = Array.isArray(argument)
        ? (argument as [string, string])
        : (String(argument).split(/\.(.*)/s, 2) as [string, string]);
      if (replacements.has(id)) return attribute(replacements, id, name);
    }
    if (key === "Fn::Sub") {
      if (typeof argument === "string") return { "Fn::Sub": substituteSub(argument, replacements) };
      const [text, variables] = argument as [string, Record<string, unknown>];
      return { "Fn::Sub": [substituteSub(text, replacements), rewrite(variables, replacements)] };
    }
  }
  return Object.fromEntries(entries.map(([key, item]) => [key, rewrite(item, replacements)]));
}

function referencesTo(value: unknown, ids: ReadonlySet<string>, found: Set<string>): void {
  if (Array.isArray(value)) value.forEach((item) => referencesTo(item, ids, found));
  else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      if (key === "Ref" && typeof item === "string" && ids.has(item)) found.add(item);
      else if (key === "Fn::GetAtt") {
        const id = Array.isArray(item) ? String(item[0]) : String(item).split(".")[0];
        if (ids.has(id ?? "")) found.add(id ?? "");
      } else referencesTo(item, ids, found);
    }
  } else if (typeof value === "string") {
    for (const match of value.matchAll(/\$\{([A-Za-z0-9]+)/g))
      if (ids.has(match[1] ?? "")) found.add(match[1] ?? "");
  }
}

/**
 * The emulator's copy of a template: the given resources removed, every Ref, Fn::GetAtt and Fn::Sub
 * placeholder that named them replaced by the twin's value, and DependsOn entries on them dropped.
 * Throws when a reference is left that the twin cannot answer, rather than deploying "unknown".
 */
export function withoutResources(
  template: Template,
  replacements: ReadonlyMap<string, Replacement>,
): Template {
  const removed = new Set(replacements.keys());
  const resources: Template["Resources"] = {};
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (removed.has(id)) continue;
    const copy = rewrite(resource, replacements) as Template["Resources"][string];
    if (copy.DependsOn !== undefined) {
      const kept = [copy.DependsOn].flat().filter((dependency) => !removed.has(dependency));
      if (kept.length === 0) delete copy.DependsOn;
      else copy.DependsOn = kept;
    }
    resources[id] = copy;
  }
  const result = { ...template, Resources: resources } as Template;
  if (template.Outputs) result.Outputs = rewrite(template.Outputs, replacements) as Template["Outputs"];
  const left = new Set<string>();
  referencesTo(result, removed, left);
  if (left.size > 0) {
    throw new TemplateRewriteError(`references to removed resources remain: ${[...left].join(", ")}`);
  }
  return result;
}

/** The prefix of the outputs the twin adds to the emulator's copy of a template (never in the synthesized one). */
export const PROPERTY_OUTPUT_PREFIX = "TwinProperty";

// Logical ids start with a letter, so the digits before "Of" keep two resources' names apart.
const propertyOutputName = (logicalId: string, n: number) => `${PROPERTY_OUTPUT_PREFIX}${n}Of${logicalId}`;

const isIntrinsic = (value: unknown): boolean => {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === "Ref" || String(keys[0]).startsWith("Fn::"));
};

/** Walks a value, replacing each intrinsic function (in a fixed order) by what `leaf` answers for it. */
function mapIntrinsics(value: unknown, leaf: (intrinsic: unknown) => unknown): unknown {
  if (isIntrinsic(value)) return leaf(value);
  if (Array.isArray(value)) return value.map((item) => mapIntrinsics(item, leaf));
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mapIntrinsics(item, leaf)]));
}

/**
 * Outputs that make the emulator evaluate a removed resource's properties: one per intrinsic function
 * in them (references to other removed resources already answered by the twin), named
 * TwinProperty<n>Of<logicalId>. `assembleProperties` puts the deployed values back in their places.
 */
export function propertyOutputs(
  logicalId: string,
  properties: unknown,
  replacements: ReadonlyMap<string, Replacement>,
): Record<string, { Value: unknown }> {
  const outputs: Record<string, { Value: unknown }> = {};
  let n = 0;
  mapIntrinsics(rewrite(properties, replacements), (intrinsic) => {
    outputs[propertyOutputName(logicalId, n++)] = { Value: intrinsic };
    return intrinsic;
  });
  return outputs;
}

/** A removed resource's properties with every intrinsic function replaced by the value the emulator gave its output. */
export function assembleProperties(
  logicalId: string,
  properties: unknown,
  replacements: ReadonlyMap<string, Replacement>,
  deployed: Readonly<Record<string, string>>,
): Record<string, unknown> {
  let n = 0;
  return mapIntrinsics(rewrite(properties, replacements), () => {
    const name = propertyOutputName(logicalId, n++);
    const value = deployed[name];
    if (value === undefined)
      throw new TemplateRewriteError(
        `the emulator's stack has no output ${name} (a property of ${logicalId})`,
      );
    return value;
  }) as Record<string, unknown>;
}
