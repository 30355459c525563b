import { readFileSync } from "node:fs";
import type { LookupFunction } from "node:net";
import { Agent } from "undici";
import type { Environment } from "../twin/environment.ts";
import { twinLookup } from "./twin-client.ts";

/**
 * What a scenario, a smoke check or a benchmark runs against: the twin (its names resolve to its loopback
 * entry points, its CA is the only one trusted) or a real deployment (public DNS and the system's CAs).
 */
export interface Target {
  readonly kind: "twin" | "deployment";
  readonly urls: { readonly site: string; readonly www: string; readonly api: string; readonly ws: string };
  /** Host name -> address, for the twin; undefined means the system's resolver. */
  readonly hosts?: Readonly<Record<string, string>>;
  /** The CA to trust instead of the system's; undefined means the system's CAs. */
  readonly caFile?: string;
}

/** The target of a running twin: its URLs, its names' loopback addresses and its CA. */
export function twinTarget(environment: Environment): Target {
  return {
    kind: "twin",
    urls: environment.urls,
    hosts: environment.hosts,
    caFile: environment.caFile,
  };
}

/** Connection options (lookup, CA) a Node client needs to reach the target: https, tls, ws. */
export function connectOptions(target: Target): { lookup?: LookupFunction; ca?: string } {
  return {
    ...(target.hosts ? { lookup: twinLookup({ hosts: target.hosts, caFile: target.caFile ?? "" }) } : {}),
    ...(target.caFile ? { ca: readFileSync(target.caFile, "utf8") } : {}),
  };
}

/** An undici dispatcher for the target, with bounded timeouts: a scenario fails, it never hangs. */
export function targetAgent(target: Target): Agent {
  return new Agent({
    connect: { ...connectOptions(target), timeout: 10_000 },
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
  });
}
