import { randomBytes } from "node:crypto";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { StartedLocalStackContainer } from "@testcontainers/localstack";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { publishedAddresses } from "../testing/published-addresses.ts";
import { EmulatorContainer } from "./emulator-container.ts";

describe("the AWS emulator on the catalog's LocalStack image", () => {
  let emulator: StartedLocalStackContainer | undefined;
  let s3: S3Client;

  beforeAll(async () => {
    emulator = await new EmulatorContainer(inject("images").localstack as string, inject("runOwner")).start();
    s3 = new S3Client({
      endpoint: emulator.getConnectionUri(),
      region: "ap-northeast-2",
      forcePathStyle: true,
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
    });
  });

  afterAll(async () => {
    s3?.destroy();
    await emulator?.stop();
  });

  it("publishes its gateway on the loopback address only", () => {
    expect(publishedAddresses(emulator!.getId(), "4566/tcp")).toEqual([`127.0.0.1:${emulator!.getPort()}`]);
  });

  it("reports the token-free community release 4.14.0", async () => {
    const response = await fetch(`${emulator!.getConnectionUri()}/_localstack/info`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      version: expect.stringMatching(/^4\.14\.0/),
      edition: "community",
    });
  });

  it("round-trips an object through S3: CreateBucket, PutObject, GetObject return the same bytes", async () => {
    const bucket = `roundtrip-${randomBytes(4).toString("hex")}`;
    const body = randomBytes(64 * 1024);
    await s3.send(
      new CreateBucketCommand({
        Bucket: bucket,
        CreateBucketConfiguration: { LocationConstraint: "ap-northeast-2" },
      }),
    );
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "blob.bin", Body: body }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "blob.bin" }));
    const bytes = Buffer.from(await got.Body!.transformToByteArray());
    expect(bytes.equals(body)).toBe(true);
    expect(got.ContentLength).toBe(body.length);
  });
});
