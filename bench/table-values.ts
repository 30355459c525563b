/** What a row of the README's benchmark table is made of, and how its figures are read from a result. */

export type Json = Record<string, unknown>;

/** A value inside a result by dotted path, or undefined. */
export function at(result: Json | undefined, path: string): unknown {
  return path
    .split(".")
    .reduce<unknown>((value, key) => (value as Json | undefined)?.[key], result as unknown);
}

export interface Row {
  readonly figure: string;
  readonly file: string;
  readonly value: (result: Json) => string;
  readonly target: string;
  /** Whether the target is met; undefined when the figure has no target. */
  readonly met?: (result: Json) => boolean;
}

export const s = (ms: unknown) => `${(Number(ms) / 1000).toFixed(1)} s`;
/** A figure as a number; a missing one (JSON null for NaN) is NaN, so it can never meet a target. */
export const num = (value: unknown) => (value === null || value === undefined ? Number.NaN : Number(value));
