import { GetBucketPolicyCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { ListResourceRecordSetsCommand, type Route53Client } from "@aws-sdk/client-route-53";
import { readFileSync, writeFileSync } from "node:fs";
import { extname, relative, sep } from "node:path";
import { HarnessError } from "../errors.ts";
import type { EntryPoints } from "./entry-points.ts";
import { filesBelow } from "../support/files.ts";

/** The stand-in a Route 53 record leads to: the edge (the distribution) or the API (the Elastic IP, or the ALB). */
export type NameTarget = "edge" | "api";

/** The twin's names, as Route 53 in the emulator answers them, mapped to the stand-ins' loopback addresses. */
export interface NameMap {
  /** Host name -> loopback address (ports as in the URL: 80 and 443, 8080 on the API). */
  readonly hosts: Readonly<Record<string, string>>;
  /** Host name -> the stand-in it leads to (inside the twin, the resolver answers its fixed address). */
  readonly targets: Readonly<Record<string, NameTarget>>;
  /** How each name was resolved, for the summary and the notes. */
  readonly via: Readonly<Record<string, string>>;
}

const bare = (name: string) => name.replace(/\.$/, "").toLowerCase();

/**
 * Reads the hosted zone's A and CNAME records from the emulator and maps each name to the entry point of
 * the stand-in it points at: an alias to the distribution's domain -> the edge; the Elastic IP -> the API
 * instance; a CNAME -> whatever its target resolves to. `required` names must all resolve.
 */
export async function resolveTwinNames(
  route53: Route53Client,
  hostedZoneId: string,
  targets: {
    readonly distributionDomain: string;
    readonly elasticIp: string;
    /** Phase 2: the load balancer's DNS name (an alias to it may carry ELB's "dualstack." prefix). */
    readonly loadBalancerDomain?: string;
  },
  entries: EntryPoints,
  required: readonly string[],
): Promise<NameMap> {
  const records = [];
  let start: { name?: string; type?: string } = {};
  for (;;) {
    const page = await route53.send(
      new ListResourceRecordSetsCommand({
        HostedZoneId: hostedZoneId,
        StartRecordName: start.name,
        StartRecordType: start.type as never,
      }),
    );
    records.push(...(page.ResourceRecordSets ?? []));
    if (!page.IsTruncated) break;
    start = { name: page.NextRecordName, type: page.NextRecordType };
  }
  const hosts: Record<string, string> = {};
  const targetOf: Record<string, NameTarget> = {};
  const via: Record<string, string> = {};
  const cnames = new Map<string, string>();
  for (const record of records) {
    const name = bare(record.Name ?? "");
    const values = (record.ResourceRecords ?? []).map((value) => bare(value.Value ?? ""));
    if (record.Type === "A" && record.AliasTarget?.DNSName !== undefined) {
      if (bare(record.AliasTarget.DNSName) === bare(targets.distributionDomain)) {
        hosts[name] = entries.edge.address;
        targetOf[name] = "edge";
        via[name] = `A alias ${bare(record.AliasTarget.DNSName)} (the distribution) -> edge`;
      } else if (
        targets.loadBalancerDomain !== undefined &&
        bare(record.AliasTarget.DNSName).replace(/^dualstack\./, "") === bare(targets.loadBalancerDomain)
      ) {
        hosts[name] = entries.api.address;
        targetOf[name] = "api";
        via[name] = `A alias ${bare(record.AliasTarget.DNSName)} (the load balancer) -> ALB`;
      }
    } else if (record.Type === "A" && values.includes(targets.elasticIp)) {
      hosts[name] = entries.api.address;
      targetOf[name] = "api";
      via[name] = `A ${targets.elasticIp} (the Elastic IP) -> API instance`;
    } else if (record.Type === "CNAME" && values[0] !== undefined) {
      cnames.set(name, values[0]);
    }
  }
  for (const [name, target] of cnames) {
    const address = hosts[target];
    const leadsTo = targetOf[target];
    if (address !== undefined && leadsTo !== undefined) {
      hosts[name] = address;
      targetOf[name] = leadsTo;
      via[name] = `CNAME ${target} -> ${via[target]?.split(" -> ").at(-1)}`;
    }
  }
  const missing = required.filter((name) => hosts[name] === undefined);
  if (missing.length > 0) {
    throw new HarnessError(
      `Route 53 in the emulator has no record leading ${missing.join(", ")} to a stand-in`,
      "check the stacks' RecordSets: the site names alias the distribution, the API name points at the Elastic IP (phase 1) or aliases the load balancer (phase 2)",
    );
  }
  return { hosts, targets: targetOf, via };
}

/**
 * What S3 answers the edge for a missing key, from the deployed bucket policy: 404 only when CloudFront's
 * principal may list the bucket (s3:ListBucket or s3:*), otherwise 403 (Origin Access Control's default).
 */
export async function missingKeyStatus(s3: S3Client, bucket: string): Promise<403 | 404> {
  const answer = await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }));
  const policy = JSON.parse(answer.Policy ?? "{}") as {
    Statement?: {
      Effect?: string;
      Principal?: { Service?: string | string[] };
      Action?: string | string[];
    }[];
  };
  const lists = (policy.Statement ?? []).some((statement) => {
    const services = [statement.Principal?.Service ?? []].flat();
    const actions = [statement.Action ?? []].flat();
    return (
      statement.Effect === "Allow" &&
      services.includes("cloudfront.amazonaws.com") &&
      actions.some((action) => action === "s3:ListBucket" || action === "s3:*")
    );
  });
  return lists ? 404 : 403;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "application/javascript",
  ".mjs": "application/javascript",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".ico": "image/x-icon",
  ".webp": "image/webp",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
  ".webmanifest": "application/manifest+json",
};

/**
 * How the release uploads each file: HTML is revalidated on every visit (a new release shows at once);
 * files under assets/ carry a content hash in their name, so they are immutable for a year; anything
 * else gets five minutes.
 */
export function cacheControlFor(key: string): string {
  if (key.endsWith(".html")) return "no-cache";
  if (key.startsWith("assets/")) return "public, max-age=31536000, immutable";
  return "public, max-age=300";
}

/** Uploads a web build to the bucket with each file's Content-Type and Cache-Control; returns the count. */
export async function publishWebDist(s3: S3Client, bucket: string, dir: string): Promise<number> {
  const files = filesBelow(dir);
  await Promise.all(
    files.map((file) => {
      const key = relative(dir, file).split(sep).join("/");
      return s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: readFileSync(file),
          ContentType: CONTENT_TYPES[extname(file).toLowerCase()] ?? "application/octet-stream",
          CacheControl: cacheControlFor(key),
        }),
      );
    }),
  );
  return files.length;
}

/** The names as /etc/hosts lines, for tools that take neither --resolve nor a resolver rule. */
export function writeHostsFile(
  path: string,
  environment: string,
  hosts: Readonly<Record<string, string>>,
): void {
  const lines = Object.entries(hosts).map(([host, address]) => `${address} ${host}`);
  writeFileSync(
    path,
    `# ThreadCast twin "${environment}": add to /etc/hosts to reach it by name (remove when it is down)\n${lines.join("\n")}\n`,
  );
}
