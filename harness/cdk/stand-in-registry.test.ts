import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { readStacks, type Template } from "./cloud-assembly.ts";
import { classifyResources, formatCoverage } from "./coverage.ts";
import type { EmulatorClients } from "./emulator-clients.ts";
import { prepareEmulatorAssembly, realizeAfterDeploy } from "./service-api-resources.ts";
import type { StandInEntry } from "./stand-in-entry.ts";
import type * as Registry from "./stand-in-registry.ts";

// A type no registry module knows, added to the registry the way a new entry would be: the coverage
// table, the rewrite and the after-deploy step have to pick it up without any other change.
const { GADGET, seen } = vi.hoisted(() => {
  const seen: { logicalId: string; site: string }[] = [];
  const entry: StandInEntry = {
    type: "Twin::Test::Gadget",
    coverage: "service-api",
    how: "a throwaway entry that only this test registers",
    beforeDeploy: async ({ logicalId, stack }) => ({
      ref: `gadget-${logicalId}`,
      attributes: { Url: `https://gadget.${stack.region}.twin.internal` },
    }),
    afterDeploy: async ({ logicalId, resolve }) => {
      seen.push({ logicalId, site: resolve({ Ref: "Site" }) });
    },
  };
  return { GADGET: entry, seen };
});

vi.mock("./stand-in-registry.ts", async (importOriginal) => {
  const original = await importOriginal<typeof Registry>();
  return { STAND_IN_REGISTRY: new Map([...original.STAND_IN_REGISTRY, [GADGET.type, GADGET]]) };
});

const template: Template = {
  Resources: {
    Gadget: { Type: "Twin::Test::Gadget", Properties: {} },
    Site: {
      Type: "AWS::S3::Bucket",
      DependsOn: "Gadget",
      Properties: { Tags: [{ Key: "gadget", Value: { "Fn::GetAtt": ["Gadget", "Url"] } }] },
    },
  },
  Outputs: { GadgetName: { Value: { Ref: "Gadget" } } },
};

/** A one-stack cloud assembly on disk, as `cdk synth` would leave it. */
function assembly(): string {
  const dir = mkdtempSync(join(tmpdir(), "registry-"));
  writeFileSync(join(dir, "Gadgets.template.json"), JSON.stringify(template));
  const artifact = {
    type: "aws:cloudformation:stack",
    environment: "aws://000000000000/ap-northeast-2",
    properties: { templateFile: "Gadgets.template.json", stackName: "Gadgets" },
  };
  writeFileSync(join(dir, "manifest.json"), JSON.stringify({ artifacts: { Gadgets: artifact } }));
  return dir;
}

/** Clients whose CloudFormation answers DescribeStackResources with the bucket; nothing else is called. */
const emulator = () =>
  ({
    cloudFormation: {
      send: async () => ({ StackResources: [{ LogicalResourceId: "Site", PhysicalResourceId: "site-1" }] }),
    },
  }) as unknown as EmulatorClients;

describe("a type added to the stand-in registry", () => {
  const assemblyDir = assembly();
  const stacks = readStacks(assemblyDir);
  const coverage = classifyResources(stacks, new Set(["aws::s3::bucket"]));

  it("appears in the coverage table with its coverage class and its line", () => {
    expect(coverage.find((row) => row.logicalId === "Gadget")).toEqual({
      stack: "Gadgets",
      logicalId: "Gadget",
      type: "Twin::Test::Gadget",
      coverage: "service-api",
      how: "a throwaway entry that only this test registers",
    });
    expect(formatCoverage(coverage)).toMatch(
      /Gadgets +Twin::Test::Gadget +1 {2}service-api +a throwaway entry that only this test registers/,
    );
  });

  it("leaves the emulator's template, its references answered by the entry's before-deploy step", async () => {
    const emulatorDir = join(mkdtempSync(join(tmpdir(), "registry-")), "cdk.emulator.out");
    const replacements = await prepareEmulatorAssembly(emulator, stacks, coverage, assemblyDir, emulatorDir);
    const written = JSON.parse(readFileSync(join(emulatorDir, "Gadgets.template.json"), "utf8")) as Template;
    expect(Object.keys(written.Resources)).toEqual(["Site"]);
    expect(written.Resources.Site).toEqual({
      Type: "AWS::S3::Bucket",
      Properties: { Tags: [{ Key: "gadget", Value: "https://gadget.ap-northeast-2.twin.internal" }] },
    });
    expect(written.Outputs).toEqual({ GadgetName: { Value: "gadget-Gadget" } });

    await realizeAfterDeploy(emulator, stacks, coverage, replacements);
    expect(seen).toEqual([{ logicalId: "Gadget", site: "site-1" }]);
  });
});
