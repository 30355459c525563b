import type { Target } from "../../harness/client/target.ts";

/** What `npm run smoke` hands its tests: the target, and whether (and as whom) they may write. */
export interface SmokeSettings {
  readonly target: Target;
  readonly write: boolean;
}

export function smokeSettings(): SmokeSettings {
  const raw = process.env.SMOKE_TARGET;
  if (!raw)
    throw new Error("SMOKE_TARGET is not set: run the smoke checks through npm run smoke -- --target ...");
  return JSON.parse(raw) as SmokeSettings;
}
