import { join } from "node:path";
import { TWIN_HOSTS } from "../cdk/twin-hosts.ts";
import { bundleEdgeServer, EdgeContainer } from "../edge/edge-container.ts";
import { startReady } from "../containers/exit-aware-wait.ts";
import { waitResumed } from "../containers/resumed-wait.ts";
import { tlsHandshakes } from "../support/tls-handshakes.ts";
import { buildReferenceWeb } from "../reference-builds/web-dist.ts";
import { say } from "../support/progress.ts";
import { issueCertificate, type IssuedCertificate } from "../tls/local-ca.ts";
import { publishWebDist } from "../twin/names.ts";
import { edgeSettings } from "../twin/twin-setup.ts";
import { composePorts } from "./compose-parts.ts";
import { singleInstance, type ComponentKind } from "./component.ts";
import { startOrResume, type TwinContainer } from "./resume.ts";

declare module "./component.ts" {
  interface TwinSteps {
    /** The web build to publish: the user's dist (checked before start-up) or the reference one. */
    web: string;
    /** The edge server bundled into one file for the edge image's Node. */
    "edge:bundle": string;
    /** The web build's files in the deployed bucket. */
    published: number;
    "certificate:site": IssuedCertificate;
    edge: TwinContainer;
  }
}

/** The CloudFront distribution and its OAC: the harness's edge server in front of the deployed bucket. */
export const edge: ComponentKind = {
  kind: "edge",
  standsIn: ["AWS::CloudFront::Distribution", "AWS::CloudFront::OriginAccessControl"],
  summary: "the CloudFront distribution",
  image: "edge",
  instances: singleInstance("edge", "edge"),
  tailOnFailure: true,
  plan(graph, { config, owner, dir, entries, labels, containerName, resume }) {
    graph.add("web", {
      component: "edge",
      what: config.webDist ? "web dist checked" : "reference web build",
      run: async (_, signal) => config.webDist ?? (await buildReferenceWeb(config, signal)).dir,
    });
    graph.add("edge:bundle", {
      component: "edge",
      what: "edge server bundle",
      run: () => bundleEdgeServer(dir),
    });
    graph.add("published", {
      component: "edge",
      what: "web build published to S3",
      needs: ["deploy", "web"],
      run: async ({ deploy, web }) => {
        const files = await publishWebDist(deploy.frontendClients.s3, deploy.bucket, web);
        say(`[edge] ${files} files in s3://${deploy.bucket}`);
        return files;
      },
    });
    graph.add("certificate:site", {
      component: "tls",
      what: "site certificate",
      quiet: true,
      needs: ["ca", "deploy"],
      run: ({ ca, deploy }) => issueCertificate(ca, deploy.siteNames, join(dir, "certs"), "site"),
    });
    graph.add("edge", {
      component: "edge",
      what: "CloudFront stand-in for the site's names",
      needs: ["published", "deploy", "edge:bundle", "image:edge", "certificate:site", "networks", "ca"],
      run: (inputs, signal) =>
        startOrResume(
          resume,
          "edge",
          {
            start: async () => {
              const container = new EdgeContainer({
                image: inputs["image:edge"],
                owner,
                bundle: inputs["edge:bundle"],
                config: await edgeSettings(inputs.deploy),
                certificate: inputs["certificate:site"],
                network: inputs.networks.public,
                alias: TWIN_HOSTS.edge,
                ip: inputs.networks.addresses.edge,
                resolvers: [inputs.networks.addresses.resolver.public],
                address: entries.edge.address,
                workDir: dir,
              })
                .withLabels(labels("edge"))
                .withName(containerName("edge"));
              return startReady(container, signal, "edge");
            },
            ready: (id, wait) =>
              waitResumed(
                id,
                "edge",
                () =>
                  tlsHandshakes(
                    entries.edge.address,
                    443,
                    inputs.deploy.siteNames[0] ?? "",
                    inputs.ca.certFile,
                  ),
                wait,
              ),
            ...(inputs.ca.created ? { replaceBecause: "the environment's CA was made anew" } : {}),
          },
          signal,
        ),
    });
  },
  compose: ({ service, images, entries, addresses }) => ({
    edge: service("edge", {
      image: images.edge,
      command: ["node", "/etc/edge/edge-server.cjs", "/etc/edge/config.json"],
      volumes: ["edge:/etc/edge:ro"],
      ports: composePorts(entries.edge),
      healthcheck: {
        test: [
          "CMD",
          "node",
          "-e",
          "require('net').connect(443, '127.0.0.1').on('connect', () => process.exit(0)).on('error', () => process.exit(1))",
        ],
        interval: "1s",
        timeout: "3s",
        retries: 30,
      },
      networks: { public: { aliases: [TWIN_HOSTS.edge], ipv4_address: addresses.edge } },
      depends_on: { setup: { condition: "service_completed_successfully" } },
    }),
  }),
};
