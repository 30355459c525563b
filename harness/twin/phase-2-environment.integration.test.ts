import { readFileSync } from "node:fs";
import { DescribeResourcePoliciesCommand } from "@aws-sdk/client-cloudwatch-logs";
import { DescribeInstancesCommand } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { emulatorClients } from "../cdk/emulator-clients.ts";
import { loadConfig, type HarnessConfig } from "../config.ts";
import { addressOn } from "../drills/address-on.ts";
import { probeFromVantage } from "../drills/probe-from-vantage.ts";
import { publishedPorts } from "../drills/published-ports.ts";
import { cli, leftovers, type CliResult } from "../testing/env-cli.ts";
import { readEnvironment, stopEnvironment, type Environment } from "./environment.ts";
import { GROUP_NAME_TAG } from "./group-instances.ts";
import { fleetMembers } from "./fleet-members.ts";
import { controllerFiles } from "./controller-process.ts";
import { targetHealth } from "../containers/load-balancer-targets.ts";
import { run } from "../support/run.ts";
import { waitFor } from "../support/wait-for.ts";
import { Api } from "../client/api.ts";
import { targetAgent, twinTarget } from "../client/target.ts";
import { BOOTSTRAP_SUPERUSER } from "../components/database-master-user.ts";
import { STANDBY } from "../components/database-standby.ts";
import { replicationState } from "../containers/database-replication.ts";

const never = (): never => {
  throw new Error("the phase-2 twin has no load balancer");
};
const name = `p2-${inject("runOwner").replace(/^test-/, "")}`;
const config: HarnessConfig = { ...loadConfig(), envName: name };

describe("env:up --phase 2: the load balancer and the group's instances behind the same names", () => {
  let up: CliResult;
  let twin: Environment;
  const targets = () => targetHealth(twin.containers.alb ?? "", twin.topology.loadBalancer ?? never());
  const healthyTargets = async () =>
    (await targets()).filter((target) => target.state === "healthy").map((target) => target.address);

  beforeAll(async () => {
    // The group's clock ten times AWS's: grace periods and checks in seconds, as a drill runs them.
    up = await cli(["up", "--phase", "2"], { HARNESS_ENV: name, HARNESS_TIME_SCALE: "10" });
    const saved = readEnvironment(config);
    if (up.code !== 0 || !saved) throw new Error(`env:up --phase 2 failed:\n${up.stderr.slice(-3000)}`);
    twin = saved;
  });

  afterAll(async () => {
    await stopEnvironment(config);
  });

  it("stands in every part of phase 2, and says why no nginx runs on the instances", () => {
    expect(up.stderr).not.toContain("not stood in yet");
    expect(up.stderr).toContain("[proxy] not stood in on phase 2's instances");
    expect(Object.keys(twin.containers)).not.toContain("proxy");
    expect(Object.keys(twin.containers)).toContain("broker");
  });

  it("runs the message broker on the private network only, 61614 admitted from the instances' group only; each instance relays through it over verified TLS", async () => {
    const broker = twin.containers.broker ?? "";
    const address = await addressOn(broker, twin.networks.private);
    await expect(addressOn(broker, twin.networks.public)).rejects.toThrow(/no address/);
    const fromInstance = await probeFromVantage(`container:${twin.containers["app-1"]}`, twin.owner, [
      [address, 61614],
    ]);
    const fromElsewhere = await probeFromVantage(twin.networks.private, twin.owner, [[address, 61614]]);
    expect(fromInstance.results).toEqual(["open"]);
    expect(fromElsewhere.results).toEqual(["timeout"]);
    for (const member of Object.keys(twin.containers).filter((instance) => /^app-\d+$/.test(instance))) {
      const logs = await run("docker", ["logs", twin.containers[member] ?? ""]);
      // Spring's relay reports the broker available once its system session is CONNECTED: TLS verified
      // (the broker's name against the environment's CA, which the instance trusts) and its user accepted.
      expect(logs.stdout + logs.stderr, member).toContain("BrokerAvailabilityEvent[available=true");
      expect(logs.stdout, member).toMatch(/\[ami\] the environment's CA trusted/);
    }
  });

  it("launches the group's desired capacity through EC2, balanced over its two zones, one container each", async () => {
    const fleet = twin.topology.fleet;
    expect(fleet?.desiredCapacity).toBeGreaterThanOrEqual(2);
    const { ec2 } = emulatorClients(twin.emulator.endpoint, twin.securityGroups.region);
    const described = await ec2.send(
      new DescribeInstancesCommand({
        Filters: [
          { Name: "tag-key", Values: [GROUP_NAME_TAG] },
          { Name: "instance-state-name", Values: ["pending", "running"] },
        ],
      }),
    );
    const instances = (described.Reservations ?? []).flatMap((reservation) => reservation.Instances ?? []);
    expect(instances).toHaveLength(fleet?.desiredCapacity ?? 0);
    expect(new Set(instances.map((instance) => instance.Placement?.AvailabilityZone))).toEqual(
      new Set(["ap-northeast-2a", "ap-northeast-2c"]),
    );
    const members = Object.keys(twin.containers).filter((instance) => /^app-\d+$/.test(instance));
    expect(members.sort()).toEqual(instances.map((_, i) => `app-${i + 1}`).sort());
  });

  it("publishes the load balancer's 80 and 443 on the API's entry point, and nothing of the instances", async () => {
    const alb = await publishedPorts(twin.containers.alb ?? "");
    expect(alb.map((line) => line.split(" -> ")[1]).sort()).toEqual(
      [`${twin.entryPoints.api.address}:443`, `${twin.entryPoints.api.address}:80`].sort(),
    );
    expect(await publishedPorts(twin.containers["app-1"] ?? "")).toEqual([]);
  });

  it("admits the instances' 8080 from the load balancer's security group only", async () => {
    const target = await addressOn(twin.containers["app-1"] ?? "", twin.networks.public);
    const fromAlb = await probeFromVantage(`container:${twin.containers.alb}`, twin.owner, [[target, 8080]]);
    const fromElsewhere = await probeFromVantage(twin.networks.public, twin.owner, [[target, 8080]]);
    expect(fromAlb.results).toEqual(["open"]);
    expect(fromElsewhere.results).toEqual(["timeout"]);
  });

  it("runs the database Multi-AZ: a failover moves the endpoint, the API writes to the new primary, the old one rejoins synchronously", async () => {
    const target = twinTarget(twin);
    const agent = targetAgent(target);
    const api = new Api(target, agent);
    const before = await api.register("Before the failover");
    const primary = twin.containers.database ?? "";
    expect(await replicationState(primary, BOOTSTRAP_SUPERUSER)).toEqual([
      { name: expect.any(String), state: "streaming", sync: "sync" },
    ]);
    const failed = await cli(["failover", "database"], { HARNESS_ENV: name });
    expect(failed.code, failed.stderr).toBe(0);
    expect(failed.stdout).toMatch(
      /database failed over from database to database-2: .* back as the synchronous standby/,
    );
    // The app's pool finds the new primary by itself: each instance answers once its connections are new.
    const deadline = Date.now() + 60_000;
    let after: Awaited<ReturnType<Api["register"]>> | undefined;
    while (!after && Date.now() < deadline)
      after = await api.register("After the failover").catch(() => undefined);
    expect(after).toBeDefined();
    const login = await api.call("POST", "/auth/login", {
      body: { email: before.email, password: before.password },
    });
    expect(login.status).toBe(200);
    const promoted = twin.containers[STANDBY] ?? "";
    expect(await replicationState(promoted, BOOTSTRAP_SUPERUSER)).toEqual([
      { name: expect.any(String), state: "streaming", sync: "sync" },
    ]);
    await agent.close();
  });

  it("puts the broker's log policy (no CloudFormation type in the emulator) in through CloudWatch Logs' API", async () => {
    const { logs } = emulatorClients(twin.emulator.endpoint, twin.securityGroups.region);
    const { resourcePolicies } = await logs.send(new DescribeResourcePoliciesCommand({}));
    const policy = resourcePolicies?.find((entry) => entry.policyName === "threadcast-amazonmq-logs");
    expect(JSON.parse(policy?.policyDocument ?? "{}")).toMatchObject({
      Statement: [
        {
          Principal: { Service: "mq.amazonaws.com" },
          Resource: expect.stringMatching(/:log-group:\/aws\/amazonmq\/\*$/),
        },
      ],
    });
  });

  it("replaces an instance whose container died: a new EC2 instance in its place, registered once healthy", async () => {
    const [before] = await fleetMembers(name);
    expect(before?.name).toBe("app-1");
    let deregistered = false;
    const killed = await run("docker", ["kill", before?.id ?? ""]);
    expect(killed.code, killed.stderr).toBe(0);
    const replaced = await waitFor(
      "app-1 replaced and healthy in the target group",
      async () => {
        const now = (await fleetMembers(name)).find((member) => member.name === "app-1");
        const registered = await targets();
        // The dead instance's target is taken out before the next one, which may get its address, boots.
        if (!registered.some((target) => target.address === before?.address)) deregistered = true;
        return deregistered &&
          now?.state === "running" &&
          now.instanceId !== before?.instanceId &&
          registered.some((target) => target.address === now.address && target.state === "healthy")
          ? now
          : undefined;
      },
      240_000,
    );
    const { ec2 } = emulatorClients(twin.emulator.endpoint, twin.securityGroups.region);
    const old = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [before?.instanceId ?? ""] }));
    expect(old.Reservations?.[0]?.Instances?.[0]?.State?.Name).toBe("terminated");
    expect(replaced.instanceId).toMatch(/^i-/);
    expect(await healthyTargets()).toHaveLength(twin.topology.fleet?.desiredCapacity ?? 0);
  });

  it("scales the group with env:scale within its min and max, and the idle group back in by CPU target tracking", async () => {
    const fleet = twin.topology.fleet;
    const refused = await cli(["scale", String((fleet?.maxSize ?? 0) + 1)], { HARNESS_ENV: name });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`from its min ${fleet?.minSize} to its max ${fleet?.maxSize}`);
    const out = await cli(["scale", "3"], { HARNESS_ENV: name });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/^group at 3 instances after .*: app-1 \(.*\), app-2 \(.*\), app-3 \(.*\)$/m);
    expect(await healthyTargets()).toHaveLength(3);
    // Idle, the group's CPU is far below 90% of the 60% target: once app-3's warm-up is over, the policy
    // takes the group back to the capacity that brings the CPU to its target, bounded by the min.
    const controllerLog = () => readFileSync(controllerFiles(twin.dir).log, "utf8");
    await waitFor(
      "CPU target tracking to scale the idle group in",
      () =>
        /CPU target tracking: desired 3 -> 2, as the group's CPU stayed below 54\.0%/.test(controllerLog())
          ? true
          : undefined,
      180_000,
    );
    const members = await waitFor(
      "the group back at its min",
      async () => {
        const now = await fleetMembers(name);
        return now.length === fleet?.minSize ? now : undefined;
      },
      60_000,
    );
    // Scale-in takes from the zone with the most instances: the group stays in both zones. In that zone
    // it takes the instance closest to its next instance hour (all are in their first): the one
    // launched before app-3, which stays.
    expect(new Set(members.map((member) => member.availabilityZone)).size).toBe(2);
    expect(members.map((member) => member.name)).toContain("app-3");
    expect(await healthyTargets()).toHaveLength(fleet?.minSize ?? 0);
  });

  it("lists the instances and the load balancer in env:status, and env:down leaves nothing", async () => {
    const status = await cli(["status"], { HARNESS_ENV: name });
    const group = (await fleetMembers(name)).map((member) => member.name);
    expect(group).toHaveLength(2);
    for (const instance of [...group, "alb", `${group[0]}-egress`, "database", STANDBY])
      expect(status.stdout).toMatch(new RegExp(`^  ${instance} +running`, "m"));
    expect(status.stdout).toContain("ALB (HAProxy) -> 2 instances");
    const down = await cli(["down"], { HARNESS_ENV: name });
    expect(down.code).toBe(0);
    expect(await leftovers(name)).toEqual([]);
  });
});
