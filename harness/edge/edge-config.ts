/**
 * What the CloudFront-like edge is told, and the decisions it makes, kept free of I/O so they are unit
 * tested here and bundled into the edge container unchanged.
 */

export interface EdgeErrorResponse {
  readonly errorCode: number;
  readonly responseCode: number | undefined;
  readonly responsePagePath: string | undefined;
  readonly ttlSeconds: number | undefined;
}

export interface EdgeConfig {
  /** The distribution's id (a stand-in id), shown in Via and X-Amz-Cf-Id like CloudFront's. */
  readonly distributionId: string;
  /** The distribution's domain name (the stand-in's host name on the twin's network). */
  readonly domainName: string;
  readonly aliases: readonly string[];
  readonly defaultRootObject: string | undefined;
  readonly viewerProtocolPolicy: string;
  readonly errorResponses: readonly EdgeErrorResponse[];
  readonly cache: { readonly minTtl: number; readonly defaultTtl: number; readonly maxTtl: number };
  readonly compress: boolean;
  readonly minimumTlsVersion: "TLSv1.2" | "TLSv1.3";
  readonly origin: {
    /** The S3 endpoint on the twin's network, e.g. http://aws.twin.internal:4566 (path-style requests). */
    readonly endpoint: string;
    readonly bucket: string;
    readonly region: string;
    /**
     * What S3 answers for a missing key under the bucket policy: 403 when the edge's principal may not
     * s3:ListBucket (the OAC default), 404 when it may. The emulator answers 404 either way.
     */
    readonly missingKeyStatus: 403 | 404;
  };
  readonly tls: { readonly certFile: string; readonly keyFile: string };
  readonly ports: { readonly http: number; readonly https: number };
}

/** CloudFront's default error-caching TTL when a distribution does not set one. */
export const DEFAULT_ERROR_CACHING_TTL = 10;

/**
 * How long the edge keeps an origin response, as CloudFront decides it: s-maxage, else max-age, clamped
 * to the policy's [min, max]; no-store/no-cache/private mean "min TTL" (0 = not cached); no directive
 * means the default TTL.
 */
export function cacheTtl(cacheControl: string | undefined, ttls: EdgeConfig["cache"]): number {
  const directives = new Map(
    (cacheControl ?? "")
      .split(",")
      .map((part) => part.trim().toLowerCase())
      .filter((part) => part !== "")
      .map((part) => {
        const [name, value] = part.split("=", 2);
        return [name ?? "", value?.replace(/"/g, "")] as const;
      }),
  );
  if (["no-store", "no-cache", "private"].some((name) => directives.has(name))) return ttls.minTtl;
  const seconds = directives.get("s-maxage") ?? directives.get("max-age");
  const parsed = seconds === undefined ? Number.NaN : Number.parseInt(seconds, 10);
  if (Number.isNaN(parsed)) return ttls.defaultTtl;
  return Math.min(ttls.maxTtl, Math.max(ttls.minTtl, parsed));
}

/** The object key a viewer path asks for: the default root object for "/", otherwise the decoded path. */
export function objectKey(pathname: string, defaultRootObject: string | undefined): string {
  if (pathname === "/" && defaultRootObject) return defaultRootObject;
  return decodeURIComponent(pathname.replace(/^\//, ""));
}

/** The error response configured for an origin status, if the distribution has one. */
export function errorResponseFor(
  status: number,
  responses: readonly EdgeErrorResponse[],
): EdgeErrorResponse | undefined {
  return responses.find((response) => response.errorCode === status);
}

/** Content types CloudFront compresses (a subset of its published list: what a web build contains). */
const COMPRESSIBLE = [
  "text/",
  "application/javascript",
  "application/json",
  "application/xml",
  "image/svg+xml",
  "application/manifest+json",
  "font/ttf",
  "font/otf",
];

/** CloudFront compresses objects between 1,000 and 10,000,000 bytes, of a compressible type. */
export function compressible(contentType: string | undefined, size: number): boolean {
  if (size < 1_000 || size > 10_000_000 || contentType === undefined) return false;
  return COMPRESSIBLE.some((prefix) => contentType.toLowerCase().startsWith(prefix));
}

/** The encoding the edge answers with: br before gzip, as CloudFront prefers when a viewer accepts both. */
export function chooseEncoding(acceptEncoding: string | undefined): "br" | "gzip" | undefined {
  const accepted = new Set(
    (acceptEncoding ?? "")
      .split(",")
      .map((part) => part.split(";")[0]?.trim().toLowerCase())
      .filter((part) => part !== undefined && part !== ""),
  );
  if (accepted.has("br")) return "br";
  if (accepted.has("gzip")) return "gzip";
  return undefined;
}
