import { join } from "node:path";
import { containerOf, type PlanContext, type TwinGraph, type TwinNetworks } from "../components/component.ts";
import { COMPONENTS, instancesOf } from "../components/registry.ts";
import type { HarnessConfig } from "../config.ts";
import { COMPONENTS as IMAGES } from "../images/catalog.ts";
import { ImageResolver } from "../images/image-resolver.ts";
import { say } from "../support/progress.ts";
import { loadOrCreateLocalCa } from "../tls/local-ca.ts";
import type { ResumeLog } from "../components/resume.ts";
import type { KeptState } from "./kept-state.ts";
import type { EntryPoints } from "./entry-points.ts";
import { buildEnvironment } from "./environment-builder.ts";
import type { Environment, TwinContainers } from "./environment-state.ts";
import { enforceSecurityGroups, replicationBetween } from "./firewall.ts";
import { createTwinNetworks } from "./twin-networks.ts";
import { containerNameOf, labelsOf, ownerOf } from "./identity.ts";
import { describeCriticalPath } from "./start-graph.ts";
import { twinHttpsGet } from "../client/twin-client.ts";
import { EnvironmentError } from "./twin-setup.ts";

declare module "../components/component.ts" {
  interface TwinSteps {
    firewall: undefined;
    checks: Environment;
  }
}

export interface BringUp {
  readonly config: HarnessConfig;
  readonly dir: string;
  readonly entries: EntryPoints;
  /** What exists of the environment already, and the record of what is done with each instance. */
  readonly resume: ResumeLog;
  readonly kept?: KeptState | undefined;
}

export interface BroughtUp {
  readonly environment: Environment;
  /** The values to keep for the next run (the secrets and the stand-ins' values of this deploy). */
  readonly keep: Omit<KeptState, "since">;
}

/**
 * Brings every component up as one graph of steps, each starting once what it needs is ready, and returns
 * the environment's description once both names answer over TLS. The caller owns `graph`, so a failed
 * start can wait for every step to end (`graph.settled()`) before it cleans up.
 */
export async function bringUp(start: BringUp, graph: TwinGraph): Promise<BroughtUp> {
  const name = start.config.envName;
  const context: PlanContext = {
    config: start.config,
    environment: name,
    owner: ownerOf(name),
    dir: start.dir,
    entries: start.entries,
    resolver: new ImageResolver(start.config, { signal: graph.signal }),
    labels: (instance) => labelsOf(name, instance),
    containerName: (instance) => containerNameOf(name, instance),
    resume: start.resume,
    ...(start.kept ? { kept: start.kept } : {}),
  };
  planFoundation(graph, context);
  for (const component of COMPONENTS) component.plan(graph, context);
  planFinish(graph, context);
  const environment = await graph.get("checks");
  say(describeCriticalPath(graph.criticalPath("checks")));
  const deploy = await graph.get("deploy");
  const replication =
    start.config.phase === 2 ? { replication: await graph.get("database:replication-secret") } : {};
  return {
    environment: { ...environment, timingsMs: { ...graph.timings(), total: Math.round(graph.elapsedMs()) } },
    keep: {
      secrets: {
        databasePassword: deploy.database.password,
        jwt: deploy.jwtSecret,
        ...replication,
        ...(deploy.broker ? { broker: deploy.broker.secretString } : {}),
      },
      replacements: deploy.deployment.replacements,
    },
  };
}

/** What every component builds on: the networks, the CA and the images (each its own step). */
function planFoundation(graph: TwinGraph, context: PlanContext): void {
  const { environment, resolver } = context;
  graph.add("networks", {
    component: "networks",
    what: "public + internal private",
    run: (): Promise<TwinNetworks> => createTwinNetworks(environment),
  });
  graph.add("ca", {
    component: "tls",
    what: "local CA",
    run: () => loadOrCreateLocalCa(join(context.dir, "ca"), `ThreadCast twin CA (${environment})`),
  });
  for (const image of IMAGES) {
    // Each image's own time (found, pulled or built) is kept for the critical-path figures.
    graph.add(`image:${image}`, {
      component: "image",
      what: image,
      quiet: true,
      run: async () => (await resolver.resolve(image)).reference,
    });
  }
  graph.add("images", {
    component: "images",
    what: "all images",
    run: () => resolver.resolveAll(),
  });
}

/** The security groups, the names, and the end-to-end check that closes the start-up. */
function planFinish(graph: TwinGraph, context: PlanContext): void {
  planFirewall(graph, context);
  const phase = context.config.phase === 2 ? 2 : 1;
  const steps = [...new Set(instancesOf(COMPONENTS, { phase }).map((instance) => instance.step))];
  graph.add("checks", {
    component: "twin",
    what: "https checks through the names",
    // Phase 2's instances relay through the broker: checked before the twin is called up.
    needs: [
      "deploy",
      "names",
      "ca",
      "networks",
      "firewall",
      ...steps,
      ...(phase === 2 ? (["broker:relays"] as const) : []),
    ],
    run: async (inputs) => {
      // The group's size is known once deployed: its instances are named from the deployed topology.
      const instances = instancesOf(COMPONENTS, inputs.deploy.topology);
      const containers = Object.fromEntries(
        instances.map((instance) => [instance.name, containerOf(inputs[instance.step], instance).getId()]),
      ) as TwinContainers;
      const environment = buildEnvironment({
        name: context.environment,
        dir: context.dir,
        caFile: inputs.ca.certFile,
        twin: inputs.deploy,
        names: inputs.names,
        entries: context.entries,
        networks: inputs.networks,
        containers,
        timingsMs: {},
      });
      await checkNames(environment);
      return environment;
    },
  });
}

/**
 * The deployed security groups in each member's namespace: phase 1's instance and database; phase 2's
 * load balancer, the group's instances (8080 from the load balancer's group only), database and message
 * broker (61614 from the instances' group only).
 */
function planFirewall(graph: TwinGraph, context: PlanContext): void {
  const apiSteps =
    context.config.phase === 2
      ? (["fleet", "alb", "database:standby", "broker"] as const)
      : (["app"] as const);
  graph.add("firewall", {
    component: "firewall",
    what: "security groups enforced in the stand-ins' namespaces",
    needs: ["deploy", "database", "image:netkit", ...apiSteps],
    run: async (inputs) => {
      const { securityGroups } = inputs.deploy.described;
      const api = inputs.fleet ? inputs.fleet.members.map((member) => member.container.getId()) : [];
      if (inputs.app) api.push(inputs.app.getId());
      const database = [
        inputs.database.getId(),
        ...(inputs["database:standby"] ? [inputs["database:standby"].getId()] : []),
      ];
      await enforceSecurityGroups({
        ec2: inputs.deploy.backendClients.ec2,
        netkitImage: inputs["image:netkit"],
        owner: context.owner,
        members: {
          [securityGroups.api]: api,
          [securityGroups.database]: database,
          ...(securityGroups.loadBalancer && inputs.alb
            ? { [securityGroups.loadBalancer]: [inputs.alb.getId()] }
            : {}),
          ...(securityGroups.broker && inputs.broker
            ? { [securityGroups.broker]: [inputs.broker.getId()] }
            : {}),
        },
        serviceNodes: replicationBetween(database),
      });
      return undefined;
    },
  });
}

/** Both names answer over TLS, verified against this environment's CA only. */
async function checkNames(environment: Environment): Promise<void> {
  for (const url of [`${environment.urls.api}/health`, environment.urls.site]) {
    const answer = await twinHttpsGet(environment, url).catch((error: Error) => {
      throw new EnvironmentError(
        `${url} could not be reached at the end of start-up (the end-to-end check, after every component reported ready): ${error.message}`,
        "npm run env:status shows each component; npm run env:logs -- proxy (the API) or edge (the site) shows why",
      );
    });
    if (answer.status !== 200)
      throw new EnvironmentError(
        `${url} answered ${answer.status} at the end of start-up: ${answer.body.slice(0, 300)}`,
      );
  }
}
