import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeLaunchTemplateVersionsCommand } from "@aws-sdk/client-ec2";
import { ListResourceRecordSetsCommand } from "@aws-sdk/client-route-53";
import type { StartedLocalStackContainer } from "@testcontainers/localstack";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { EmulatorContainer, emulatorResourceTypes } from "../containers/emulator-container.ts";
import { userDataText } from "../../infra/test/synth.ts";
import { BACKEND_OUTPUTS, STACK_NAMES } from "../../infra/lib/stack-outputs.ts";
import { readStacks } from "./cloud-assembly.ts";
import { emulatorClients } from "./emulator-clients.ts";
import { deployToEmulator, type EmulatorDeployment } from "./emulator-deploy.ts";
import { launchTemplateName } from "./stand-in-entries/launch-template.ts";
import { ALB_HOSTED_ZONES } from "./stand-in-entries/load-balancer-stand-ins.ts";
import { PROPERTY_OUTPUT_PREFIX } from "./template-rewrite.ts";
import { TWIN_HOSTS } from "./twin-hosts.ts";
import { deriveFleet } from "../twin/fleet-topology.ts";
import {
  deployedGroup,
  GROUP_NAME_TAG,
  groupInstances,
  instanceUserData,
  launchGroupInstance,
  terminateGroupInstance,
  type GroupInstance,
} from "../twin/group-instances.ts";

const workDir = mkdtempSync(join(tmpdir(), "phase-2-deploy-"));
const B = BACKEND_OUTPUTS;

describe("phase 2 deployed to LocalStack: the group's launch template in EC2, the ALB a stand-in", () => {
  let emulator: StartedLocalStackContainer | undefined;
  let deployment: EmulatorDeployment;
  let endpoint: string;
  const backend = () => deployment.outputs[STACK_NAMES.backend] ?? {};
  const ec2 = () => emulatorClients(endpoint, "ap-northeast-2").ec2;
  const launchTemplate = () => {
    const stacks = readStacks(join(workDir, "cdk.out"));
    const stack = stacks.find((candidate) => candidate.stackName === STACK_NAMES.backend);
    const entry = Object.entries(stack?.template.Resources ?? {}).find(
      ([, resource]) => resource.Type === "AWS::EC2::LaunchTemplate",
    );
    if (!entry) throw new Error("the phase-2 backend has no launch template");
    return { logicalId: entry[0], resource: entry[1] };
  };

  beforeAll(async () => {
    emulator = await new EmulatorContainer(inject("images").localstack as string, inject("runOwner")).start();
    endpoint = emulator.getConnectionUri();
    deployment = await deployToEmulator({
      endpoint,
      emulatorTypes: await emulatorResourceTypes(emulator),
      workDir,
      phase: 2,
      operatorCidr: "198.51.100.10/32",
    });
  });

  afterAll(async () => {
    await emulator?.stop();
  });

  it("covers every phase-2 type: the launch template through EC2's API, the ALB and the group as stand-ins", () => {
    const byType = new Map(deployment.coverage.map((row) => [row.type, row.coverage]));
    expect(deployment.coverage.filter((row) => row.coverage === "unsupported")).toEqual([]);
    expect(
      Object.fromEntries(
        [...byType].filter(([type]) => /ElasticLoadBalancingV2|AutoScaling|Launch/.test(type)),
      ),
    ).toEqual({
      "AWS::EC2::LaunchTemplate": "service-api",
      "AWS::ElasticLoadBalancingV2::LoadBalancer": "stand-in",
      "AWS::ElasticLoadBalancingV2::Listener": "stand-in",
      "AWS::ElasticLoadBalancingV2::TargetGroup": "stand-in",
      "AWS::AutoScaling::AutoScalingGroup": "stand-in",
      "AWS::AutoScaling::ScalingPolicy": "stand-in",
    });
  });

  it("holds the launch template's user data as the deploy evaluated it: the template's script, every token resolved", async () => {
    const { logicalId, resource } = launchTemplate();
    const versions = await ec2().send(
      new DescribeLaunchTemplateVersionsCommand({
        LaunchTemplateName: launchTemplateName(STACK_NAMES.backend, logicalId),
        Versions: ["$Default"],
      }),
    );
    const data = versions.LaunchTemplateVersions?.[0]?.LaunchTemplateData;
    const script = Buffer.from(data?.UserData ?? "", "base64").toString("utf8");
    const synthesized = (resource.Properties?.LaunchTemplateData as { UserData: unknown }).UserData;
    // Every literal part of the synthesized script is there, in order, with the tokens filled in.
    const literalParts = userDataText(synthesized).split("«token»");
    let at = 0;
    for (const part of literalParts) {
      const found = script.indexOf(part, at);
      expect(found, `user data part ${JSON.stringify(part.slice(0, 60))}`).toBeGreaterThanOrEqual(at);
      at = found + part.length;
    }
    expect(script).toContain(backend()[B.databaseSecretArn]);
    expect(script).toContain(backend()[B.jwtSecretArn]);
    expect(script).toContain(TWIN_HOSTS.database);
    expect(script).not.toMatch(/unknown|«token»|Fn::/);
    expect(data?.InstanceType).toBe("t3.micro");
    expect(data?.NetworkInterfaces?.[0]?.Groups).toEqual([backend()[B.apiSecurityGroupId]]);
  });

  it("answers api.<domain> in Route 53 with an alias to the load balancer's name", async () => {
    const { route53 } = emulatorClients(endpoint, "us-east-1");
    const records = await route53.send(
      new ListResourceRecordSetsCommand({ HostedZoneId: deployment.hostedZoneId }),
    );
    const api = records.ResourceRecordSets?.find((record) => record.Name === "api.threadcast.io.");
    expect(api?.AliasTarget).toMatchObject({
      DNSName: expect.stringMatching(
        new RegExp(`^dualstack\\.${TWIN_HOSTS.loadBalancer.replace(/\./g, "\\.")}\\.?$`),
      ),
      HostedZoneId: ALB_HOSTED_ZONES["ap-northeast-2"],
    });
    expect(backend()[B.apiLoadBalancerDnsName]).toBe(TWIN_HOSTS.loadBalancer);
  });

  it("launches the group's instances through RunInstances from the launch template, balanced over the group's zones", async () => {
    const stack = readStacks(join(workDir, "cdk.out")).find(
      (found) => found.stackName === STACK_NAMES.backend,
    );
    const fleet = deriveFleet(stack?.template.Resources ?? {});
    const group = await deployedGroup(
      emulatorClients(endpoint, "ap-northeast-2"),
      STACK_NAMES.backend,
      fleet,
      deployment.replacements,
    );
    const launched: GroupInstance[] = [];
    for (let index = 0; index < fleet.maxSize; index += 1)
      launched.push(await launchGroupInstance(ec2(), group, launched));
    // Auto Scaling's balancing: as many in each zone as the group's size allows, 2a first.
    const zones = launched.map((instance) => instance.availabilityZone);
    expect(new Set(zones)).toEqual(new Set(["ap-northeast-2a", "ap-northeast-2c"]));
    expect(zones.filter((zone) => zone === "ap-northeast-2a").length).toBe(Math.ceil(fleet.maxSize / 2));
    expect(zones[0]).toBe("ap-northeast-2a");
    // Each carries the deployed user data, as EC2 hands it over, and the group's tag.
    const { logicalId } = launchTemplate();
    const versions = await ec2().send(
      new DescribeLaunchTemplateVersionsCommand({
        LaunchTemplateName: launchTemplateName(STACK_NAMES.backend, logicalId),
        Versions: ["$Default"],
      }),
    );
    const templateScript = Buffer.from(
      versions.LaunchTemplateVersions?.[0]?.LaunchTemplateData?.UserData ?? "",
      "base64",
    ).toString("utf8");
    const first = launched[0] as GroupInstance;
    expect(await instanceUserData(ec2(), first.instanceId)).toBe(templateScript);
    expect((await groupInstances(ec2(), group.name)).map((instance) => instance.instanceId)).toEqual(
      launched.map((instance) => instance.instanceId),
    );
    // A terminated instance leaves the group; the next launch refills its zone.
    await terminateGroupInstance(ec2(), first.instanceId);
    const left = await groupInstances(ec2(), group.name);
    expect(left.map((instance) => instance.instanceId)).not.toContain(first.instanceId);
    expect((await launchGroupInstance(ec2(), group, left)).availabilityZone).toBe(first.availabilityZone);
    expect(GROUP_NAME_TAG).toBe("aws:autoscaling:groupName");
  });

  it("keeps the property outputs it added out of the stacks' outputs", () => {
    const names = Object.values(deployment.outputs).flatMap((outputs) => Object.keys(outputs));
    expect(names.filter((name) => name.startsWith(PROPERTY_OUTPUT_PREFIX))).toEqual([]);
    expect(backend()[B.phase]).toBe("2");
  });
});
