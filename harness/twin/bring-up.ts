import { join } from "node:path";
import type { PlanContext, TwinGraph, TwinNetworks } from "../components/component.ts";
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
import { enforceSecurityGroups } from "./firewall.ts";
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
  return {
    environment: { ...environment, timingsMs: { ...graph.timings(), total: Math.round(graph.elapsedMs()) } },
    keep: {
      secrets: { databasePassword: deploy.database.password, jwt: deploy.jwtSecret },
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
  graph.add("firewall", {
    component: "firewall",
    what: "security groups enforced in the instance's and database's namespaces",
    needs: ["deploy", "app", "database", "image:netkit"],
    run: async ({ deploy, app, database, ...images }) => {
      const { securityGroups } = deploy.described;
      await enforceSecurityGroups({
        ec2: deploy.backendClients.ec2,
        netkitImage: images["image:netkit"],
        owner: context.owner,
        members: { [securityGroups.api]: [app.getId()], [securityGroups.database]: [database.getId()] },
      });
      return undefined;
    },
  });
  const instances = instancesOf(COMPONENTS);
  graph.add("checks", {
    component: "twin",
    what: "https checks through the names",
    needs: ["deploy", "names", "ca", "networks", "firewall", ...instances.map((instance) => instance.step)],
    run: async (inputs) => {
      const containers = Object.fromEntries(
        instances.map(({ name, step }) => [name, (inputs[step] as { getId(): string }).getId()]),
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
