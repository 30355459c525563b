import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, inject } from "vitest";
import { twinTarget } from "../harness/client/target.ts";
import { addressOn } from "../harness/drills/address-on.ts";
import { bucketPrivacy } from "../harness/drills/bucket-privacy.ts";
import { containerLogs } from "../harness/drills/container-logs.ts";
import { probeFrom } from "../harness/drills/probe-from-vantage.ts";
import { publishedPorts } from "../harness/drills/published-ports.ts";
import { runRepoScript } from "../harness/drills/run-repo-script.ts";
import { secretValue } from "../harness/drills/secret-value.ts";
import { tlsChecks, tlsNames } from "./checks/tls.ts";
import { test } from "./support/scenario-test.ts";
import { BACKEND_OUTPUTS, STACK_NAMES } from "../infra/lib/stack-outputs.ts";

/** The seed's security design, checked against the running twin. */
describe("security design", () => {
  // The TLS checks are shared with smoke mode and make a describe block per host name: the names are
  // needed while the tests are collected, before any fixture exists, so this target comes from the
  // global setup directly.
  const collected = twinTarget(inject("twin"));
  tlsChecks(() => collected, tlsNames(collected));

  test("signs every certificate with the environment's CA", async ({ twin }) => {
    const caCertificate = new X509Certificate(readFileSync(twin.caFile, "utf8"));
    for (const file of ["site.crt", "api.crt"]) {
      const leaf = new X509Certificate(readFileSync(`${twin.dir}/certs/${file}`));
      expect(leaf.verify(caCertificate.publicKey)).toBe(true);
    }
  });

  test("keeps the database unreachable from the public network (and reachable from the instance)", async ({
    twin,
  }) => {
    // addressOn refuses a container without an IPv4 address on the network.
    const databaseIp = await addressOn(twin.containers.database, twin.networks.private);
    const targets = [
      [twin.database.host, 5432],
      [databaseIp, 5432],
    ] as const;
    const fromPublic = await probeFrom(twin.networks.public, twin.owner, targets);
    expect(fromPublic[0]).toBe("unresolved");
    expect(fromPublic[1]).not.toBe("open");
    // The control: the same probe connects from the instance, the one place its security group admits.
    expect(await probeFrom(`container:${twin.containers.app}`, twin.owner, targets)).toEqual([
      "open",
      "open",
    ]);
  });

  test("keeps the bucket private: public access blocked, read only by the distribution's OAC", async ({
    twin,
  }) => {
    const privacy = await bucketPrivacy(twin);
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

  test("prints no secret in any log the harness shows", async ({ twin }) => {
    const value = async (arn: string) => (await secretValue(twin, arn)) ?? "";
    const database = JSON.parse(await value(twin.database.secretArn)) as { password: string };
    const outputs = JSON.parse(readFileSync(`${twin.dir}/infra/cdk-outputs.json`, "utf8")) as Record<
      string,
      Record<string, string>
    >;
    const jwtArn = outputs[STACK_NAMES.backend]?.[BACKEND_OUTPUTS.jwtSecretArn] ?? "";
    const jwt = await value(jwtArn);
    expect(database.password.length).toBeGreaterThan(8);
    expect(jwt.length).toBeGreaterThanOrEqual(32);
    const shown: string[] = [];
    for (const container of Object.values(twin.containers)) {
      const logs = await containerLogs(container);
      shown.push(logs.stdout, logs.stderr);
    }
    const cli = (args: string[]) => runRepoScript("harness/cli.ts", args, { HARNESS_ENV: twin.name });
    for (const args of [["status"], ["logs", "app"], ["logs", "emulator"]]) {
      const result = await cli(args);
      shown.push(result.stdout, result.stderr);
    }
    shown.push(readFileSync(`${twin.dir}/environment.json`, "utf8"));
    const text = shown.join("\n");
    expect(text.length).toBeGreaterThan(1_000);
    expect(text.includes(database.password)).toBe(false);
    expect(text.includes(jwt)).toBe(false);
    // Nor any password a component generated and announced (Spring Boot's default user, for one).
    expect(text).not.toMatch(/generated (security )?password|password is:/i);
  });

  test("publishes every entry point on a loopback address only", async ({ twin, target }) => {
    for (const container of Object.values(twin.containers)) {
      for (const line of await publishedPorts(container)) {
        expect(line).toMatch(/-> 127\.\d+\.\d+\.\d+:\d+$/);
      }
    }
    expect(target.kind).toBe("twin");
  });
});
