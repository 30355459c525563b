import { join } from "node:path";
import { INSTANCE_FILE_PATHS } from "../../infra/lib/constructs/api-user-data.ts";
import { INSTANCE_PATHS, type InstanceRelease } from "../containers/instance-container.ts";
import { readAppBundle } from "../reference-builds/app-bundle.ts";
import { readAppEnvFile } from "../reference-builds/app-env-file.ts";
import { answers200, waitResumed } from "../containers/resumed-wait.ts";
import { buildReferenceJar } from "../reference-builds/backend-jar.ts";
import { issueCertificate, type IssuedCertificate } from "../tls/local-ca.ts";
import { EGRESS_LOG_GROUP } from "../containers/egress-guard.ts";
import { startApp } from "./app-start.ts";
import { composePorts } from "./compose-parts.ts";
import { singleInstance, type ComponentKind, type PlanContext, type TwinGraph } from "./component.ts";
import { guardInstance, guardSpec } from "./egress.ts";
import { startOrResume, type TwinContainer } from "./resume.ts";

/** The release the instance's boot lays after its user data: all but the unit file it is started by. */
export type AppRelease = Omit<InstanceRelease, "unitFile">;

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
    run: async (_, signal): Promise<AppRelease> => {
      const settings = config.appEnvFile ? readAppEnvFile(config.appEnvFile).content : undefined;
      const extra = {
        ...(settings === undefined ? {} : { settings }),
        settingsOverride: config.appEnvOverride,
      };
      if (config.appDir) {
        const bundle = readAppBundle(config.appDir);
        const files = bundle.files.map((file) => ({ ...file, source: join(bundle.dir, file.path) }));
        return { jarPath: bundle.jar, files, ...extra };
      }
      const jarPath =
        config.appJar ??
        (
          await buildReferenceJar(
            config,
            () => resolver.resolve("postgres").then((i) => i.reference),
            owner,
            signal,
          )
        ).path;
      return { jarPath, ...extra };
    },
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
  instances: singleInstance("app", "app"),
  tailOnFailure: true,
  plan(graph, context) {
    const { config, owner, dir, entries, labels, containerName, resume } = context;
    // The certificate an operator installs for api.<domain> on the instance (nginx there serves it).
    graph.add("certificate:api", {
      component: "tls",
      what: "API certificate",
      quiet: true,
      needs: ["ca", "deploy"],
      run: ({ ca, deploy }) => issueCertificate(ca, [deploy.apiName], join(dir, "certs"), "api"),
    });
    planRelease(graph, context);
    graph.add("app", {
      component: "app",
      what: "user data run, Spring Boot healthy",
      needs: ["database", "deploy", "jar", "image:instance", "image:netkit", "networks", "certificate:api"],
      run: (inputs, signal) => {
        // Nothing the instance runs may reach outside the twin: its boot waits for the guard.
        const spec = guardSpec(context, "app", inputs["image:netkit"], inputs.networks);
        const guard = (id: string, wait: AbortSignal) => guardInstance(spec, "app", id, resume, wait);
        return startOrResume(
          resume,
          "app",
          {
            start: () =>
              startApp(
                {
                  image: inputs["image:instance"],
                  release: { ...inputs.jar, unitFile: INSTANCE_FILE_PATHS.systemdUnit },
                  userData: inputs.deploy.instance.script,
                  region: inputs.deploy.backend.stack.region,
                  certificate: inputs["certificate:api"],
                  owner,
                  labels: labels("app"),
                  name: containerName("app"),
                  limits: inputs.deploy.topology.api,
                  networks: inputs.networks,
                  address: entries.api.address,
                  secrets: [inputs.deploy.database.password, inputs.deploy.jwtSecret],
                  startupTimeoutMs: config.appStartTimeoutMs,
                  egressGuard: { group: EGRESS_LOG_GROUP, put: (id) => guard(id, signal) },
                },
                signal,
              ),
            ready: async (id, wait) => {
              await guard(id, wait);
              await waitResumed(
                id,
                "app",
                () => answers200(`http://${entries.api.address}:8080/api/health`, wait),
                wait,
                config.appStartTimeoutMs,
              );
            },
          },
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
          test: [
            "CMD",
            "bash",
            "-c",
            "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /api/health HTTP/1.0\\r\\n\\r\\n' >&3 && head -1 <&3 | grep -q ' 200 '",
          ],
          interval: "2s",
          timeout: "3s",
          retries: 90,
        },
        depends_on: { database: { condition: "service_healthy" } },
      }),
    };
  },
};
