/**
 * The CloudFront-like edge of the twin: runs inside the edge container (bundled by esbuild, Node's own
 * modules plus the AWS SigV4 signer), configured from the synthesized distribution.
 *
 * What it reproduces: viewer TLS (1.2+, HTTP/2 and HTTP/1.1) for the distribution's aliases only,
 * redirect-to-https on port 80, the default root object, Origin Access Control (every origin request is
 * SigV4-signed for S3, and a missing key is 403 unless the bucket policy grants s3:ListBucket), the cache
 * (key = path, TTL from the origin's Cache-Control clamped to the policy, `X-Cache: Hit|Miss from
 * cloudfront`, `Age` on hits), the error responses with their caching TTL, compression (br, gzip) and
 * conditional GETs. What it does not: invalidations, signed URLs, Lambda@Edge/Functions, HTTP/3.
 */
import { createHash, createHmac, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createSecureServer, type Http2ServerRequest, type Http2ServerResponse } from "node:http2";
import { brotliCompressSync, constants as zlibConstants, gzipSync } from "node:zlib";
import { SignatureV4 } from "@smithy/signature-v4";
import {
  cacheTtl,
  chooseEncoding,
  compressible,
  DEFAULT_ERROR_CACHING_TTL,
  errorResponseFor,
  objectKey,
  type EdgeConfig,
} from "./edge-config.ts";

interface Stored {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  readonly storedAt: number;
  readonly ttlMs: number;
  /** Compressed copies of the body, made once per encoding while the object is cached. */
  readonly encoded?: Map<string, Buffer>;
}

const bytes = (data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array =>
  typeof data === "string"
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

/** SHA-256 and HMAC-SHA256 from node:crypto, in the shape the SigV4 signer expects. */
class Sha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash("sha256") : createHmac("sha256", bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
}

const config = JSON.parse(readFileSync(process.argv[2] ?? "/etc/edge/config.json", "utf8")) as EdgeConfig;
const originUrl = new URL(config.origin.endpoint);
// OAC signs as CloudFront's service principal; the emulator accepts any key pair, so a fixed,
// non-secret pair names it in the emulator's logs.
const signer = new SignatureV4({
  service: "s3",
  region: config.origin.region,
  credentials: { accessKeyId: "CLOUDFRONTOAC", secretAccessKey: "cloudfront-origin-access-control" },
  sha256: Sha256,
});
const cache = new Map<string, Stored>();
const PASSED_HEADERS = ["content-type", "etag", "last-modified", "cache-control", "content-language"];

/** One signed GET to the S3 origin, path-style, as an OAC origin request. */
async function fetchOrigin(key: string): Promise<Omit<Stored, "storedAt" | "ttlMs">> {
  const path = `/${config.origin.bucket}/${key.split("/").map(encodeURIComponent).join("/")}`;
  const signed = await signer.sign({
    method: "GET",
    protocol: originUrl.protocol,
    hostname: originUrl.hostname,
    port: Number(originUrl.port),
    path,
    headers: { host: originUrl.host, "x-amz-content-sha256": "UNSIGNED-PAYLOAD" },
  });
  const response = await fetch(new URL(path, originUrl), {
    headers: signed.headers as Record<string, string>,
    signal: AbortSignal.timeout(30_000),
  });
  const body = Buffer.from(await response.arrayBuffer());
  const headers: Record<string, string> = {};
  for (const name of PASSED_HEADERS) {
    const value = response.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  // OAC: without s3:ListBucket, S3 will not say whether a key exists.
  const status = response.status === 404 ? config.origin.missingKeyStatus : response.status;
  return { status, headers, body };
}

/** The cached object for a key, or a fresh origin response stored for its TTL; `hit` says which. */
async function lookup(key: string): Promise<{ stored: Stored; hit: boolean }> {
  const now = Date.now();
  const cached = cache.get(key);
  if (cached && now - cached.storedAt < cached.ttlMs) return { stored: cached, hit: true };
  const fetched = await fetchOrigin(key);
  const ttl =
    fetched.status < 400
      ? cacheTtl(fetched.headers["cache-control"], config.cache)
      : (errorResponseFor(fetched.status, config.errorResponses)?.ttlSeconds ?? DEFAULT_ERROR_CACHING_TTL);
  const stored = { ...fetched, storedAt: now, ttlMs: ttl * 1000, encoded: new Map<string, Buffer>() };
  if (ttl > 0) cache.set(key, stored);
  else cache.delete(key);
  return { stored, hit: false };
}

type Request = IncomingMessage | Http2ServerRequest;
type Response = ServerResponse | Http2ServerResponse;

function send(
  req: Request,
  res: Response,
  status: number,
  headers: Record<string, string>,
  body: Buffer,
  xCache: string,
): void {
  const all: Record<string, string> = {
    ...headers,
    "x-cache": xCache,
    via: `${req.httpVersion === "2.0" ? "2" : "1.1"} ${config.domainName} (CloudFront)`,
    "x-amz-cf-pop": "TWIN-LOCAL",
    "x-amz-cf-id": randomBytes(42).toString("base64url").slice(0, 56),
    "content-length": String(body.length),
  };
  // The HTTP/1.1 and HTTP/2 compatibility responses share this shape; TypeScript cannot unify their overloads.
  const out = res as ServerResponse;
  out.writeHead(status, all);
  if (req.method === "HEAD") out.end();
  else out.end(body);
  process.stdout.write(
    `${new Date().toISOString()} ${req.method} ${hostOf(req)}${req.url} ${status} ${xCache} ${body.length}\n`,
  );
}

function hostOf(req: Request): string {
  const authority = (req.headers[":authority"] as string | undefined) ?? req.headers.host ?? "";
  return authority.replace(/:\d+$/, "").toLowerCase();
}

const errorBody = (title: string) =>
  Buffer.from(
    `<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">\n<HTML><HEAD><TITLE>ERROR: The request could not be satisfied</TITLE></HEAD>\n<BODY><H1>${title}</H1>\n<p>Generated by the ThreadCast twin's edge (CloudFront stand-in)</p></BODY></HTML>\n`,
  );
const HTML = { "content-type": "text/html" };

/** A viewer request over HTTPS (or plain HTTP when the policy allows it). */
async function serve(req: Request, res: Response): Promise<void> {
  const host = hostOf(req);
  if (!config.aliases.includes(host)) {
    send(req, res, 403, HTML, errorBody("403 ERROR: Bad request (unknown host)"), "Error from cloudfront");
    return;
  }
  if (req.method !== "GET" && req.method !== "HEAD") {
    send(
      req,
      res,
      403,
      HTML,
      errorBody("403 ERROR: This distribution only allows GET and HEAD"),
      "Error from cloudfront",
    );
    return;
  }
  const url = new URL(req.url ?? "/", `https://${host}`);
  const key = objectKey(url.pathname, config.defaultRootObject);
  const found = await lookup(key);
  const hit = found.hit;
  let stored = found.stored;
  let status = stored.status;
  let xCache = hit ? "Hit from cloudfront" : "Miss from cloudfront";
  if (status >= 400) {
    xCache = "Error from cloudfront";
    const custom = errorResponseFor(status, config.errorResponses);
    if (custom?.responsePagePath) {
      // CloudFront fetches the custom error page through its own cache.
      const page = await lookup(objectKey(custom.responsePagePath, undefined));
      stored = page.stored;
      status = custom.responseCode ?? status;
    }
  }
  const headers = { ...stored.headers };
  let body = stored.body;
  if (status === 200 && hit) headers.age = String(Math.floor((Date.now() - stored.storedAt) / 1000));
  const etag = headers.etag;
  if (status === 200 && etag !== undefined && req.headers["if-none-match"] === etag) {
    send(req, res, 304, { etag, ...(headers.age ? { age: headers.age } : {}) }, Buffer.alloc(0), xCache);
    return;
  }
  const encoding = config.compress
    ? chooseEncoding(req.headers["accept-encoding"] as string | undefined)
    : undefined;
  if (encoding && compressible(headers["content-type"], body.length)) {
    const raw = body;
    body =
      stored.encoded?.get(encoding) ??
      (encoding === "br"
        ? brotliCompressSync(raw, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 6 } })
        : gzipSync(raw));
    stored.encoded?.set(encoding, body);
    headers["content-encoding"] = encoding;
    headers.vary = "Accept-Encoding";
  }
  send(req, res, status, headers, body, xCache);
}

function guarded(req: Request, res: Response): void {
  serve(req, res).catch((error: unknown) => {
    process.stderr.write(`origin request failed: ${(error as Error).message}\n`);
    if (!res.headersSent)
      send(req, res, 502, HTML, errorBody("502 ERROR: Bad gateway (origin)"), "Error from cloudfront");
  });
}

let listening = 0;
const banner = () => {
  listening += 1;
  if (listening < 2) return;
  process.stdout.write(
    `edge ${config.distributionId}: ${config.aliases.join(", ")} -> s3://${config.origin.bucket} (cache ${config.cache.minTtl}/${config.cache.defaultTtl}/${config.cache.maxTtl} s, missing key ${config.origin.missingKeyStatus})\n`,
  );
};

const tls = createSecureServer(
  {
    allowHTTP1: true,
    cert: readFileSync(config.tls.certFile),
    key: readFileSync(config.tls.keyFile),
    minVersion: config.minimumTlsVersion,
  },
  guarded,
);
tls.listen(config.ports.https, "0.0.0.0", banner);

const plain = createHttpServer((req, res) => {
  switch (config.viewerProtocolPolicy) {
    case "redirect-to-https":
      send(
        req,
        res,
        301,
        { location: `https://${hostOf(req)}${req.url ?? "/"}`, ...HTML },
        errorBody("301 Moved Permanently"),
        "Redirect from cloudfront",
      );
      return;
    case "https-only":
      send(req, res, 403, HTML, errorBody("403 ERROR: HTTPS is required"), "Error from cloudfront");
      return;
    default:
      guarded(req, res);
  }
});
plain.listen(config.ports.http, "0.0.0.0", banner);
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    tls.close();
    plain.close(() => process.exit(0));
  });
}
