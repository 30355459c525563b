import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { DNS_LINES, DNS_RECORDS_DIR, DnsContainer } from "../containers/dns-container.ts";
import { startReady } from "../containers/exit-aware-wait.ts";
import { loggedSinceStart } from "../containers/logged-since.ts";
import { waitResumed } from "../containers/resumed-wait.ts";
import { publishRecords, twinRecords } from "../twin/dns-records.ts";
import { mapTwinNames } from "../twin/environment-builder.ts";
import type { NameMap } from "../twin/names.ts";
import type { ComponentKind } from "./component.ts";
import { startOrResume, type TwinContainer } from "./resume.ts";

declare module "./component.ts" {
  interface TwinSteps {
    /** The Route 53 records read back from the emulator, mapped to the entry points (and the hosts file). */
    names: NameMap;
    /** The resolver, listening (every other container is made with its address as DNS server). */
    dns: TwinContainer;
    /** The resolver once it answers the deployed Route 53 zone. */
    "dns:records": TwinContainer;
  }
}

/** The environment's directory of the resolver's records (mounted into it read-only). */
export const recordsDirOf = (dir: string) => join(dir, "dns");

/**
 * The VPC's resolver (AmazonProvidedDNS at each subnet's base + 2): Debian's dnsmasq answering the
 * deployed Route 53 zone with the stand-ins' fixed addresses, NXDOMAIN for every other name. Docker's
 * embedded DNS in each container answers the twin's internal names and forwards the rest to it.
 */
export const dns: ComponentKind = {
  kind: "dns",
  standsIn: [],
  summary: "the VPC's resolver (dnsmasq, answering the Route 53 zone)",
  image: "dns",
  instances: () => [{ name: "dns", step: "dns:records" }],
  plan(graph, { owner, dir, labels, containerName, resume, entries, environment }) {
    const recordsDir = recordsDirOf(dir);
    graph.add("names", {
      component: "names",
      what: "Route 53 records mapped to entry points",
      needs: ["deploy"],
      run: ({ deploy }) => mapTwinNames(deploy, entries, environment, dir),
    });
    graph.add("dns", {
      component: "dns",
      what: "resolver listening on both networks",
      needs: ["networks", "image:dns"],
      run: ({ networks, ...images }, signal) => {
        mkdirSync(recordsDir, { recursive: true });
        return startOrResume(
          resume,
          "dns",
          {
            start: () =>
              startReady(
                new DnsContainer({
                  image: images["image:dns"],
                  owner,
                  recordsDir,
                  networks: [
                    { name: networks.public, ip: networks.addresses.resolver.public },
                    { name: networks.private, ip: networks.addresses.resolver.private },
                  ],
                })
                  .withLabels(labels("dns"))
                  .withName(containerName("dns")),
                signal,
                "dns",
              ),
            ready: (id, wait) => waitResumed(id, "dns", () => loggedSinceStart(id, DNS_LINES.started), wait),
          },
          signal,
        );
      },
    });
    graph.add("dns:records", {
      component: "dns",
      what: "Route 53 zone answered inside the twin",
      needs: ["dns", "names", "networks"],
      run: async ({ dns: resolver, names, networks }) => {
        await publishRecords(resolver.getId(), recordsDir, twinRecords(names, networks.addresses));
        return resolver;
      },
    });
  },
  // In compose the setup service writes the records into the shared volume; dnsmasq reads a changed
  // hosts file by itself (inotify), as it does after env:up's signal.
  compose: ({ service, images, addresses }) => ({
    dns: service("dns", {
      image: images.dns,
      volumes: [`dns-records:${DNS_RECORDS_DIR}:ro`],
      networks: {
        public: { ipv4_address: addresses.resolver.public },
        private: { ipv4_address: addresses.resolver.private },
      },
    }),
  }),
};
