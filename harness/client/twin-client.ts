import { readFileSync } from "node:fs";
import type { LookupFunction } from "node:net";
import { Agent, request } from "undici";

/** What a client needs to reach a twin: its names' loopback addresses and its CA. */
export interface TwinAddressing {
  readonly hosts: Readonly<Record<string, string>>;
  readonly caFile: string;
}

/**
 * A DNS lookup that answers the twin's names with their entry-point addresses (as Route 53 in the
 * emulator maps them) and refuses every other name: a client using it can reach the twin only.
 */
export function twinLookup(twin: TwinAddressing): LookupFunction {
  return ((hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    const address = twin.hosts[hostname.toLowerCase()];
    if (address === undefined) {
      const error = Object.assign(new Error(`${hostname} is not a name of the twin`), { code: "ENOTFOUND" });
      callback(error);
    } else if (options?.all) callback(null, [{ address, family: 4 }]);
    else callback(null, address, 4);
  }) as LookupFunction;
}

/** An undici dispatcher that resolves the twin's names and trusts the twin's CA only. */
export function twinAgent(twin: TwinAddressing): Agent {
  return new Agent({
    connect: { lookup: twinLookup(twin), ca: readFileSync(twin.caFile, "utf8") },
    connectTimeout: 10_000,
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
  });
}

export interface TwinAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

/** One GET through the twin's names and CA (real host names, real ports, verified TLS). */
export async function twinHttpsGet(
  twin: TwinAddressing,
  url: string,
  headers: Record<string, string> = {},
): Promise<TwinAnswer> {
  const agent = twinAgent(twin);
  try {
    const response = await request(url, { dispatcher: agent, headers, maxRedirections: 0 } as never);
    return { status: response.statusCode, headers: response.headers, body: await response.body.text() };
  } finally {
    await agent.close();
  }
}
