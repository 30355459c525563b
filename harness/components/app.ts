import { INSTANCE_FILE_PATHS } from "../../infra/lib/constructs/api-user-data.ts";
import { SUPERVISOR } from "../containers/app-container.ts";
import { answers200, waitResumed } from "../containers/resumed-wait.ts";
import { buildReferenceJar } from "../reference-builds/backend-jar.ts";
import { readServiceUnit } from "../twin/systemd-unit.ts";
import { startApp } from "./app-start.ts";
import { composeLiteral, composePorts } from "./compose-parts.ts";
import { singleInstance, type ComponentKind } from "./component.ts";
import { startOrResume, type TwinContainer } from "./resume.ts";

declare module "./component.ts" {
  interface TwinSteps {
    /** The jar to run: the user's (checked before start-up) or the reference one, built or cached. */
    jar: string;
    app: TwinContainer;
  }
}

const dirOf = (path: string) => path.slice(0, path.lastIndexOf("/"));

/**
 * The EC2 instance: the jar at the unit's path, run by the unit's ExecStart with its EnvironmentFile
 * (from the deployed secrets) and restart policy, limited to the instance type's vCPUs and memory.
 */
export const app: ComponentKind = {
  kind: "app",
  standsIn: ["AWS::EC2::Instance", "AWS::EC2::EIP"],
  summary: "the EC2 instance (Spring Boot)",
  image: "jre",
  instances: singleInstance("app", "app"),
  tailOnFailure: true,
  plan(graph, { config, owner, entries, labels, containerName, resolver, resume }) {
    graph.add("jar", {
      component: "app",
      what: config.appJar ? "jar checked" : "reference jar",
      run: async (_, signal) =>
        config.appJar ??
        (
          await buildReferenceJar(
            config,
            () => resolver.resolve("postgres").then((i) => i.reference),
            owner,
            signal,
          )
        ).path,
    });
    graph.add("app", {
      component: "app",
      what: "Spring Boot healthy",
      needs: ["database", "deploy", "jar", "image:jre", "networks"],
      run: (inputs, signal) =>
        startOrResume(
          resume,
          "app",
          {
            start: () =>
              startApp(
                {
                  image: inputs["image:jre"],
                  jarPath: inputs.jar,
                  unit: readServiceUnit(INSTANCE_FILE_PATHS.systemdUnit),
                  owner,
                  labels: labels("app"),
                  name: containerName("app"),
                  limits: inputs.deploy.topology.api,
                  networks: inputs.networks,
                  address: entries.api.address,
                  environment: inputs.deploy.appEnvironment,
                  startupTimeoutMs: config.appStartTimeoutMs,
                },
                signal,
              ),
            ready: (id, wait) =>
              waitResumed(
                id,
                "app",
                () => answers200(`http://${entries.api.address}:8080/api/health`, wait),
                wait,
                config.appStartTimeoutMs,
              ),
          },
          signal,
        ),
    });
  },
  compose({ service, images, topology, entries, unit }) {
    const jarInUnit = unit.execStart.find((arg) => arg.endsWith(".jar")) ?? "/opt/threadcast/app.jar";
    const envFile = unit.environmentFile ?? "/etc/threadcast/threadcast.env";
    const supervisor = [
      composeLiteral(SUPERVISOR),
      "supervisor",
      unit.restart,
      String(unit.restartSec),
      envFile,
    ];
    return {
      app: service("app", {
        image: images.jre,
        cpus: topology.api.cpus,
        mem_limit: `${topology.api.memoryGiB}g`,
        entrypoint: ["sh", "-c", ...supervisor],
        command: [...unit.execStart],
        working_dir: unit.workingDirectory,
        volumes: [`instance-env:${dirOf(envFile)}:ro`, `instance-jar:${dirOf(jarInUnit)}:ro`],
        ports: composePorts(entries.api),
        networks: ["public", "private"],
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
