import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ApiProxyContainer } from "../containers/api-proxy-container.ts";
import { startReady } from "../containers/exit-aware-wait.ts";
import { waitResumed } from "../containers/resumed-wait.ts";
import { EnvironmentError } from "../errors.ts";
import { run } from "../support/run.ts";
import { tlsHandshakes } from "../support/tls-handshakes.ts";
import { say } from "../support/progress.ts";
import type { ComponentKind } from "./component.ts";
import { startOrResume, type TwinContainer } from "./resume.ts";

declare module "./component.ts" {
  interface TwinSteps {
    proxy: TwinContainer;
  }
}

/** The *.conf files the instance's user data wrote into /etc/nginx/conf.d, copied out to `dir`. */
async function nginxConfsOf(instanceId: string, dir: string): Promise<string[]> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const copied = await run("docker", ["cp", `${instanceId}:/etc/nginx/conf.d/.`, dir]);
  if (copied.code !== 0)
    throw new EnvironmentError(
      `cannot read nginx's configuration from the instance: ${copied.stderr.trim()}`,
    );
  const confs = readdirSync(dir).filter((file) => file.endsWith(".conf"));
  if (confs.length === 0)
    throw new EnvironmentError(
      "the instance's user data wrote no nginx configuration into /etc/nginx/conf.d",
      "the user data (infra/lib/constructs/api-user-data.ts) writes the API's TLS proxy configuration there",
    );
  return confs.map((file) => join(dir, file));
}

/**
 * nginx on the instance: the configuration its user data wrote, in the app's network namespace. Phase 1
 * only: phase 2's load balancer forwards to the instances' 8080, and the API's group admits only that
 * (env:up says so).
 */
export const proxy: ComponentKind = {
  kind: "proxy",
  standsIn: [],
  summary: "nginx on the instance (TLS for the API)",
  image: "nginx",
  instances: (shape) => (shape?.phase === 2 ? [] : [{ name: "proxy", step: "proxy" }]),
  tailOnFailure: true,
  plan(graph, { config, owner, dir, entries, labels, containerName, resume }) {
    if (config.phase === 2) {
      say(
        "[proxy] not stood in on phase 2's instances: the load balancer forwards to their 8080, which their group admits from it only",
      );
      return;
    }
    graph.add("proxy", {
      component: "proxy",
      what: "nginx TLS for the API",
      needs: ["app", "image:nginx", "certificate:api", "ca", "deploy"],
      run: (inputs, signal) => {
        const handshakes = () =>
          tlsHandshakes(entries.api.address, 443, inputs.deploy.apiName, inputs.ca.certFile);
        return startOrResume(
          resume,
          "proxy",
          {
            start: async () => {
              const started = await startReady(
                new ApiProxyContainer(
                  inputs["image:nginx"],
                  inputs.app.getId(),
                  await nginxConfsOf(inputs.app.getId(), join(dir, "instance-nginx")),
                  inputs["certificate:api"],
                  owner,
                )
                  .withLabels(labels("proxy"))
                  .withName(containerName("proxy")),
                signal,
                "proxy",
              );
              // nginx has no port of its own to wait on (it lives in the instance's namespace): the
              // end-to-end check right after found it not yet listening once, so wait for its handshake.
              await waitResumed(started.getId(), "proxy", handshakes, signal);
              return started;
            },
            ready: (id, wait) => waitResumed(id, "proxy", handshakes, wait),
            // It lives in the instance's network namespace: a new or restarted instance has a new one.
            ...(resume.outcomeOf("app") !== "kept"
              ? { replaceBecause: "the instance it runs in was not kept" }
              : {}),
            ...(inputs.ca.created ? { replaceBecause: "the environment's CA was made anew" } : {}),
          },
          signal,
        );
      },
    });
  },
  compose: ({ service, images }) => ({
    proxy: service("proxy", {
      image: images.nginx,
      network_mode: "service:app",
      // The configuration the instance's user data wrote, shared from the instance.
      volumes: ["instance-nginx:/etc/nginx/conf.d:ro", "api-tls:/etc/nginx/tls:ro"],
      depends_on: { app: { condition: "service_healthy" } },
    }),
  }),
};
