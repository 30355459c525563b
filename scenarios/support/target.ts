import { readFileSync } from "node:fs";
import type { LookupFunction } from "node:net";
import { Agent, request, type Dispatcher } from "undici";
import type { Environment } from "../../harness/twin/environment.ts";
import { twinLookup } from "../../harness/client/twin-client.ts";

/**
 * What a scenario runs against: the twin (its names resolve to its loopback entry points, its CA is the
 * only one trusted) or a real deployment (public DNS and the system's CAs).
 */
export interface Target {
  readonly kind: "twin" | "deployment";
  readonly urls: { readonly site: string; readonly www: string; readonly api: string; readonly ws: string };
  /** Host name -> address, for the twin; undefined means the system's resolver. */
  readonly hosts?: Readonly<Record<string, string>>;
  /** The CA to trust instead of the system's; undefined means the system's CAs. */
  readonly caFile?: string;
}

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

export interface Answer<T = unknown> {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly json: T;
}

/** One HTTP request through the target's dispatcher (no redirects followed). */
export async function send<T = unknown>(
  dispatcher: Dispatcher,
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<Answer<T>> {
  const hasBody = options.body !== undefined;
  const response = await request(url, {
    dispatcher,
    method: (options.method ?? (hasBody ? "POST" : "GET")) as Dispatcher.HttpMethod,
    headers: { ...(hasBody ? { "content-type": "application/json" } : {}), ...options.headers },
    body: hasBody
      ? typeof options.body === "string"
        ? options.body
        : JSON.stringify(options.body)
      : undefined,
  });
  const text = await response.body.text();
  let json: unknown;
  try {
    json = text === "" ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.statusCode, headers: response.headers, text, json: json as T };
}
