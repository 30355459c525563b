import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GenericContainer, Wait, type StartedTestContainer } from "testcontainers";
import { afterAll, describe, expect, inject, it } from "vitest";
import { loadConfig } from "../config.ts";
import { ImageResolver } from "../images/image-resolver.ts";
import { run } from "../support/run.ts";
import { currentComposeDocument } from "../twin/compose.ts";
import { entryPoints } from "../twin/entry-points.ts";
import { envLogs, instanceContainer, instanceStatus } from "../twin/environment-cli.ts";
import { stopEnvironment } from "../twin/environment.ts";
import { ResumeLog } from "./resume.ts";
import { containerNameOf, labelsOf, ownerOf } from "../twin/identity.ts";
import { StartGraph } from "../twin/start-graph.ts";
import { singleInstance, type ComponentKind, type PlanContext, type TwinSteps } from "./component.ts";
import { COMPONENTS } from "./registry.ts";

declare module "./component.ts" {
  interface TwinSteps {
    gadget: StartedTestContainer;
  }
}

/** A component that exists only in this test: one more module, and one more entry in the list. */
const gadget: ComponentKind = {
  kind: "gadget",
  standsIn: ["Twin::Test::Gadget"],
  summary: "a throwaway component",
  image: "netkit",
  instances: singleInstance("gadget", "gadget"),
  plan(graph, context) {
    graph.add("gadget", {
      component: "gadget",
      what: "started",
      needs: ["image:netkit"],
      run: (inputs) =>
        new GenericContainer(inputs["image:netkit"])
          .withCommand(["sh", "-c", "echo gadget is up; exec sleep infinity"])
          .withLabels(context.labels("gadget"))
          .withName(context.containerName("gadget"))
          .withWaitStrategy(Wait.forLogMessage("gadget is up"))
          .start(),
    });
  },
  compose: ({ service, images }) => ({ gadget: service("gadget", { image: images.netkit }) }),
};
const withGadget = [...COMPONENTS, gadget];

describe("a component added to the list", () => {
  const environment = `itg-${inject("runOwner").replace(/^test-/, "")}`;
  const config = { ...loadConfig(), envName: environment };
  afterAll(async () => {
    await stopEnvironment(config);
  });

  it("starts through its own plan, as env:up runs every component's", async () => {
    const graph = new StartGraph<TwinSteps>();
    graph.add("image:netkit", {
      component: "image",
      what: "netkit",
      quiet: true,
      run: async () => inject("images").netkit ?? "",
    });
    const context: PlanContext = {
      config,
      environment,
      owner: ownerOf(environment),
      dir: mkdtempSync(join(tmpdir(), "gadget-")),
      entries: entryPoints(environment),
      resolver: new ImageResolver(config),
      labels: (instance) => labelsOf(environment, instance),
      containerName: (instance) => containerNameOf(environment, instance),
      resume: new ResumeLog({}, false),
    };
    gadget.plan(graph, context);
    const started = await graph.get("gadget");
    expect(started.getName()).toBe(`/${containerNameOf(environment, "gadget")}`);
  });

  it("is in env:status, with the phase-1 instances it does not have shown as missing", async () => {
    const rows = await instanceStatus(environment, withGadget);
    expect(rows.find((row) => row.instance === "gadget")).toMatchObject({ kind: "gadget", state: "running" });
    expect(rows.filter((row) => row.state === "missing").map((row) => row.instance)).toEqual([
      "emulator",
      "database",
      "app",
      "proxy",
      "edge",
      "dns",
      "emulator-egress",
      "app-egress",
      "edge-egress",
      "dns-egress",
    ]);
  });

  it("has its logs in env:logs, which refuses it when it is not in the list", async () => {
    expect(await instanceContainer(environment, "gadget")).toMatch(/^[0-9a-f]{12}$/);
    const previous = process.env.HARNESS_ENV;
    process.env.HARNESS_ENV = environment;
    try {
      expect(await envLogs(["gadget"], withGadget)).toBe(0);
      expect(await envLogs(["gadget"])).toBe(64);
    } finally {
      if (previous === undefined) delete process.env.HARNESS_ENV;
      else process.env.HARNESS_ENV = previous;
    }
  });

  it("is a service of the compose file, named and labelled as env:up names it", () => {
    const document = currentComposeDocument(config, environment, withGadget) as {
      services: Record<string, { container_name?: string; labels?: Record<string, string> }>;
    };
    expect(document.services.gadget).toMatchObject({
      container_name: containerNameOf(environment, "gadget"),
      labels: labelsOf(environment, "gadget"),
    });
    expect(Object.keys(document.services)).toEqual([
      "emulator",
      "setup",
      "database",
      "app",
      "proxy",
      "edge",
      "dns",
      "emulator-egress",
      "app-egress",
      "edge-egress",
      "dns-egress",
      "gadget",
    ]);
  });

  it("is removed by env:down with the rest of the environment", async () => {
    expect(await stopEnvironment(config)).toEqual([]);
    const left = await run("docker", [
      "ps",
      "-aq",
      "--filter",
      `name=${containerNameOf(environment, "gadget")}`,
    ]);
    expect(left.stdout.trim()).toBe("");
    expect((await instanceStatus(environment, withGadget)).every((row) => row.state === "missing")).toBe(
      true,
    );
  });
});
