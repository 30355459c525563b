import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, inject, it } from "vitest";
import { bucketPrivacy } from "../harness/drills/bucket-privacy.ts";
import { containerLogs } from "../harness/drills/container-logs.ts";
import { publishedPorts } from "../harness/drills/published-ports.ts";
import { runRepoScript } from "../harness/drills/run-repo-script.ts";
import { secretValue } from "../harness/drills/secret-value.ts";
import { COMPONENT_NAMES } from "../harness/twin/environment.ts";
import { tlsChecks, tlsNames } from "./checks/tls.ts";
import { twinTarget } from "../harness/client/target.ts";
import { addressOn } from "../harness/drills/address-on.ts";
import { probeFrom } from "../harness/drills/probe-from-vantage.ts";

/** The seed's security design, checked against the running twin. */
describe("security design", () => {
  const environment = inject("twin");
  const target = twinTarget(environment);
  const ca = readFileSync(environment.caFile, "utf8");

  tlsChecks(() => target, tlsNames(target));

  it("signs every certificate with the environment's CA", async () => {
    const caCertificate = new X509Certificate(ca);
    for (const file of ["site.crt", "api.crt"]) {
      const leaf = new X509Certificate(readFileSync(`${environment.dir}/certs/${file}`));
      expect(leaf.verify(caCertificate.publicKey)).toBe(true);
    }
  });

  it("keeps the database unreachable from the public network (and reachable from the instance)", async () => {
    // addressOn refuses a container without an IPv4 address on the network.
    const databaseIp = await addressOn(environment.containers.database, environment.networks.private);
    const targets = [
      [environment.database.host, 5432],
      [databaseIp, 5432],
    ] as const;
    const fromPublic = await probeFrom(environment.networks.public, environment.owner, targets);
    expect(fromPublic[0]).toBe("unresolved");
    expect(fromPublic[1]).not.toBe("open");
    // The control: the same probe connects from the instance, the one place its security group admits.
    expect(await probeFrom(`container:${environment.containers.app}`, environment.owner, targets)).toEqual([
      "open",
      "open",
    ]);
  });

  it("keeps the bucket private: public access blocked, read only by the distribution's OAC", async () => {
    const privacy = await bucketPrivacy(environment);
    expect(privacy.publicAccessBlock).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    const policy = JSON.parse(privacy.policy ?? "{}") as {
      Statement: { Effect: string; Principal: unknown; Action: string | string[]; Condition?: unknown }[];
    };
    const allows = policy.Statement.filter((statement) => statement.Effect === "Allow");
    expect(allows).toHaveLength(1);
    expect(allows[0]).toMatchObject({
      Principal: { Service: "cloudfront.amazonaws.com" },
      Action: "s3:GetObject",
      Condition: { StringEquals: { "AWS:SourceArn": expect.stringMatching(/:distribution\//) } },
    });
    // LocalStack community does not enforce bucket policies or Block Public Access (an anonymous GET to
    // its S3 endpoint succeeds); the twin's only way to the bucket for viewers is the edge, and the
    // policy above is what enforces it in AWS.
    console.warn(
      "[security] the emulator does not enforce S3 bucket policies: bucket privacy is checked from the deployed policy and Block Public Access, not by a refused anonymous request",
    );
  });

  it("prints no secret in any log the harness shows", async () => {
    const value = async (arn: string) => (await secretValue(environment, arn)) ?? "";
    const database = JSON.parse(await value(environment.database.secretArn)) as { password: string };
    const outputs = JSON.parse(readFileSync(`${environment.dir}/infra/cdk-outputs.json`, "utf8")) as Record<
      string,
      Record<string, string>
    >;
    const jwtArn = Object.values(outputs).find((stack) => stack.JwtSecretArn)?.JwtSecretArn ?? "";
    const jwt = await value(jwtArn);
    expect(database.password.length).toBeGreaterThan(8);
    expect(jwt.length).toBeGreaterThanOrEqual(32);
    const shown: string[] = [];
    for (const component of COMPONENT_NAMES) {
      const logs = await containerLogs(environment.containers[component]);
      shown.push(logs.stdout, logs.stderr);
    }
    const cli = (args: string[]) => runRepoScript("harness/cli.ts", args, { HARNESS_ENV: environment.name });
    for (const args of [["status"], ["logs", "app"], ["logs", "emulator"]]) {
      const result = await cli(args);
      shown.push(result.stdout, result.stderr);
    }
    shown.push(readFileSync(`${environment.dir}/environment.json`, "utf8"));
    const text = shown.join("\n");
    expect(text.length).toBeGreaterThan(1_000);
    expect(text.includes(database.password)).toBe(false);
    expect(text.includes(jwt)).toBe(false);
    // Nor any password a component generated and announced (Spring Boot's default user, for one).
    expect(text).not.toMatch(/generated (security )?password|password is:/i);
  });

  it("publishes every entry point on a loopback address only", async () => {
    for (const component of COMPONENT_NAMES) {
      for (const line of await publishedPorts(environment.containers[component])) {
        expect(line).toMatch(/-> 127\.\d+\.\d+\.\d+:\d+$/);
      }
    }
    expect(target.kind).toBe("twin");
  });
});
