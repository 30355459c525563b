import { request, type Dispatcher } from "undici";

/** A response as scenarios and benchmarks read it: status, headers, the body as text and as JSON. */
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
