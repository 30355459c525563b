import { join } from "node:path";
import { INSTANCE_FILE_PATHS } from "../../infra/lib/constructs/api-user-data.ts";
import { ApiProxyContainer } from "../containers/api-proxy-container.ts";
import { startReady } from "../containers/exit-aware-wait.ts";
import { waitResumed } from "../containers/resumed-wait.ts";
import { tlsHandshakes } from "../support/tls-handshakes.ts";
import { issueCertificate, type IssuedCertificate } from "../tls/local-ca.ts";
import { singleInstance, type ComponentKind } from "./component.ts";
import { startOrResume, type TwinContainer } from "./resume.ts";

declare module "./component.ts" {
  interface TwinSteps {
    "certificate:api": IssuedCertificate;
    proxy: TwinContainer;
  }
}

/** nginx on the instance: the user data's own configuration file, in the app's network namespace. */
export const proxy: ComponentKind = {
  kind: "proxy",
  standsIn: [],
  summary: "nginx on the instance (TLS for the API)",
  image: "nginx",
  instances: singleInstance("proxy", "proxy"),
  tailOnFailure: true,
  plan(graph, { owner, dir, entries, labels, containerName, resume }) {
    graph.add("certificate:api", {
      component: "tls",
      what: "API certificate",
      quiet: true,
      needs: ["ca", "deploy"],
      run: ({ ca, deploy }) => issueCertificate(ca, [deploy.apiName], join(dir, "certs"), "api"),
    });
    graph.add("proxy", {
      component: "proxy",
      what: "nginx TLS for the API",
      needs: ["app", "image:nginx", "certificate:api", "ca", "deploy"],
      run: (inputs, signal) =>
        startOrResume(
          resume,
          "proxy",
          {
            start: () =>
              startReady(
                new ApiProxyContainer(
                  inputs["image:nginx"],
                  inputs.app.getId(),
                  INSTANCE_FILE_PATHS.nginxConf,
                  inputs["certificate:api"],
                  owner,
                )
                  .withLabels(labels("proxy"))
                  .withName(containerName("proxy")),
                signal,
                "proxy",
              ),
            ready: (id, wait) =>
              waitResumed(
                id,
                "proxy",
                () => tlsHandshakes(entries.api.address, 443, inputs.deploy.apiName, inputs.ca.certFile),
                wait,
              ),
            // It lives in the instance's network namespace: a new or restarted instance has a new one.
            ...(resume.outcomeOf("app") !== "kept"
              ? { replaceBecause: "the instance it runs in was not kept" }
              : {}),
            ...(inputs.ca.created ? { replaceBecause: "the environment's CA was made anew" } : {}),
          },
          signal,
        ),
    });
  },
  compose: ({ service, images }) => ({
    proxy: service("proxy", {
      image: images.nginx,
      network_mode: "service:app",
      volumes: [
        `./${join("fixtures", "instance", "nginx-api.conf")}:/etc/nginx/conf.d/threadcast-api.conf:ro`,
        `api-tls:/etc/nginx/tls:ro`,
      ],
      depends_on: { app: { condition: "service_healthy" } },
    }),
  }),
};
