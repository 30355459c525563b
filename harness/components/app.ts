import { join } from "node:path";
import { INSTANCE_PATHS } from "../containers/instance-container.ts";
import { appRelease, type AppRelease } from "./app-release.ts";
import { issueCertificate, type IssuedCertificate } from "../tls/local-ca.ts";
import { EnvironmentError } from "../errors.ts";
import { fleetInstances, planFleet } from "./app-fleet.ts";
import { HEALTH_INSIDE_COMMAND } from "./app-start.ts";
import { INSTANCE_NEEDS, startInstance } from "./instance-start.ts";
import { composePorts } from "./compose-parts.ts";
import type { ComponentKind, PlanContext, TwinGraph } from "./component.ts";
import type { TwinContainer } from "./resume.ts";

declare module "./component.ts" {
  interface TwinSteps {
    /** The release: the user's bundle or jar (checked before start-up) or the reference jar, built or cached. */
    jar: AppRelease;
    "certificate:api": IssuedCertificate;
    app: TwinContainer;
  }
}

const dirOf = (path: string) => path.slice(0, path.lastIndexOf("/"));

/** The release: the user's bundle or jar (checked before start-up) or the reference jar, built or cached. */
function planRelease(graph: TwinGraph, { config, owner, resolver }: PlanContext): void {
  graph.add("jar", {
    component: "app",
    what: config.appDir ? "release bundle checked" : config.appJar ? "jar checked" : "reference jar",
    run: (_, signal) => appRelease(config, resolver, owner, signal),
  });
}

/**
 * The EC2 instance: its user data (as the emulator hands it over) run at first boot, then the release
 * laid into the unit's WorkingDirectory and the unit started, limited to the instance type's vCPUs and
 * memory. A restarted instance starts the units its user data enabled, as a rebooted one does.
 */
export const app: ComponentKind = {
  kind: "app",
  standsIn: ["AWS::EC2::Instance", "AWS::EC2::EIP"],
  summary: "the EC2 instance (Spring Boot)",
  image: "instance",
  instances: (shape) => (shape?.phase === 2 ? fleetInstances(shape) : [{ name: "app", step: "app" }]),
  tailOnFailure: true,
  plan(graph, context) {
    const { config, dir, entries } = context;
    // The certificate an operator installs for api.<domain> on the instance (nginx there serves it).
    graph.add("certificate:api", {
      component: "tls",
      what: "API certificate",
      quiet: true,
      needs: ["ca", "deploy"],
      run: ({ ca, deploy }) => issueCertificate(ca, [deploy.apiName], join(dir, "certs"), "api"),
    });
    planRelease(graph, context);
    if (config.phase === 2) {
      planFleet(graph, context);
      return;
    }
    graph.add("app", {
      component: "app",
      what: "user data run, Spring Boot healthy",
      needs: INSTANCE_NEEDS,
      run: (inputs, signal) => {
        const instance = inputs.deploy.instance;
        if (!instance)
          throw new EnvironmentError("the deployed backend has no API instance (phase 1 runs one)");
        return startInstance(
          context,
          inputs,
          { name: "app", userData: instance.script, entryAddress: entries.api.address },
          signal,
        );
      },
    });
  },
  compose({ service, images, topology, entries, addresses }) {
    // The instance's boot (the image's entrypoint) runs the user data the setup service left, then the release.
    return {
      app: service("app", {
        image: images.instance,
        cpus: topology.api.cpus,
        mem_limit: `${topology.api.memoryGiB}g`,
        volumes: [
          `instance-boot:${dirOf(INSTANCE_PATHS.userData)}`,
          `instance-release:${dirOf(INSTANCE_PATHS.releaseUnit)}:ro`,
          `instance-aws:${dirOf(INSTANCE_PATHS.awsConfig)}:ro`,
          `api-tls:${INSTANCE_PATHS.nginxTls}`,
          "instance-nginx:/etc/nginx/conf.d",
        ],
        ports: composePorts(entries.api),
        networks: { public: { ipv4_address: addresses.app }, private: {} },
        healthcheck: {
          test: ["CMD", "bash", "-c", `${HEALTH_INSIDE_COMMAND} | grep -q ' 200 '`],
          interval: "2s",
          timeout: "3s",
          retries: 90,
        },
        depends_on: { database: { condition: "service_healthy" } },
      }),
    };
  },
};
