import { join } from "node:path";
import type { StartedTestContainer } from "testcontainers";
import { INSTANCE_FILE_PATHS } from "../../infra/lib/constructs/api-user-data.ts";
import { ApiProxyContainer } from "../containers/api-proxy-container.ts";
import { startReady } from "../containers/exit-aware-wait.ts";
import { issueCertificate, type IssuedCertificate } from "../tls/local-ca.ts";

import { singleInstance, type ComponentKind } from "./component.ts";

declare module "./component.ts" {
  interface TwinSteps {
    "certificate:api": IssuedCertificate;
    proxy: StartedTestContainer;
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
  plan(graph, { owner, dir, labels, containerName }) {
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
      needs: ["app", "image:nginx", "certificate:api"],
      run: (inputs, signal) =>
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
