import { GUARDED, guardOf } from "../components/egress.ts";
import { dirname } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { INSTANCE_PATHS } from "../containers/instance-container.ts";
import { loadConfig } from "../config.ts";
import { ImageResolver } from "../images/image-resolver.ts";
import { committedCompose, COMPOSE_ENV, currentComposeDocument, renderCompose } from "./compose.ts";
import { entryPoints } from "./entry-points.ts";
import { COMPONENT_NAMES } from "./environment.ts";

interface Service {
  image: string;
  ports?: string[];
  networks?: string[] | Record<string, { aliases?: string[] }>;
  network_mode?: string;
  volumes?: string[];
  labels: Record<string, string>;
}

const config = loadConfig();
const committed = committedCompose(config);
const document = parse(committed) as {
  services: Record<string, Service>;
  networks: Record<string, { internal: boolean }>;
};
const networksOf = (service: Service) =>
  Array.isArray(service.networks) ? service.networks : Object.keys(service.networks ?? {});

describe("docker-compose.yml stays in step with the harness's own twin", () => {
  it("is exactly what the harness generates today (npm run compose:write regenerates it)", async () => {
    expect(committed, "docker-compose.yml is out of step: run npm run compose:write").toBe(
      await renderCompose(currentComposeDocument(config), config.repoRoot),
    );
    // Rendering runs prettier over the document and hashes every recipe: seconds on a busy machine.
  }, 30_000);

  it("has the twin's components, plus the one-shot setup that deploys the stacks", () => {
    expect(Object.keys(document.services).sort()).toEqual([...COMPONENT_NAMES, "setup"].sort());
  });

  it("runs each component on the image env:up resolves from the same recipe", () => {
    const resolver = new ImageResolver(config);
    const imageOf: Record<string, string> = {
      emulator: resolver.localTag("localstack").tag,
      database: resolver.localTag("postgres").tag,
      app: resolver.localTag("instance").tag,
      proxy: resolver.localTag("nginx").tag,
      edge: resolver.localTag("edge").tag,
      dns: resolver.localTag("dns").tag,
      ...Object.fromEntries(GUARDED.map((target) => [guardOf(target), resolver.localTag("netkit").tag])),
    };
    for (const component of COMPONENT_NAMES)
      expect(document.services[component]?.image).toBe(imageOf[component]);
    expect(document.services.setup?.image).toBe(resolver.localTag("edge").tag);
  });

  it("mirrors the subnets: the database on the internal private network only, the app on both", () => {
    expect(document.networks).toMatchObject({ public: { internal: false }, private: { internal: true } });
    expect(networksOf(document.services.database as Service)).toEqual(["private"]);
    expect(networksOf(document.services.app as Service).sort()).toEqual(["private", "public"]);
    expect(networksOf(document.services.edge as Service)).toEqual(["public"]);
    expect(document.services.proxy?.network_mode).toBe("service:app");
  });

  it("publishes the same entry points as env:up for its environment, on loopback only", () => {
    const points = entryPoints(COMPOSE_ENV);
    const published = (point: { address: string; ports: readonly number[] }) =>
      point.ports.map((port) => `${point.address}:${port}:${port}`);
    expect(document.services.edge?.ports).toEqual(published(points.edge));
    expect(document.services.app?.ports).toEqual(published(points.api));
    expect(document.services.emulator?.ports).toEqual(published(points.emulator));
    expect(document.services.database?.ports).toBeUndefined();
    const all = Object.values(document.services).flatMap((service) => service.ports ?? []);
    expect(all.every((port) => port.startsWith("127."))).toBe(true);
  });

  it("gives the proxy the nginx configuration the instance's user data writes, and the instance its boot", () => {
    // The instance's /etc/nginx/conf.d, where the user data writes, is the proxy's (read-only).
    expect(document.services.app?.volumes).toContain("instance-nginx:/etc/nginx/conf.d");
    expect(document.services.proxy?.volumes).toContain("instance-nginx:/etc/nginx/conf.d:ro");
    // The user data and the release, left by the setup service where the image's boot looks for them.
    expect(document.services.app?.volumes).toEqual(
      expect.arrayContaining([
        `instance-boot:${dirname(INSTANCE_PATHS.userData)}`,
        `instance-release:${dirname(INSTANCE_PATHS.releaseUnit)}:ro`,
      ]),
    );
  });

  it("makes every service on a network resolve through the twin's resolver, at fixed addresses in stated subnets", () => {
    const withNetworks = Object.entries(document.services).filter(([, service]) => !service.network_mode);
    const resolverOn = {
      public: "${TWIN_PUBLIC_NET:-172.30.88}.2",
      private: "${TWIN_PRIVATE_NET:-172.30.89}.2",
    };
    for (const [name, service] of withNetworks) {
      const first = networksOf(service)[0] as keyof typeof resolverOn;
      expect((service as Service & { dns?: string[] }).dns, name).toEqual([resolverOn[first]]);
    }
    const fixed = (name: string, network: string) =>
      (document.services[name]?.networks as Record<string, { ipv4_address?: string }>)[network]?.ipv4_address;
    expect(fixed("dns", "public")).toBe(resolverOn.public);
    expect(fixed("dns", "private")).toBe(resolverOn.private);
    expect(fixed("app", "public")).toBe("${TWIN_PUBLIC_NET:-172.30.88}.10");
    expect(fixed("edge", "public")).toBe("${TWIN_PUBLIC_NET:-172.30.88}.20");
    expect(document.networks).toMatchObject({
      public: {
        ipam: {
          config: [
            {
              subnet: "${TWIN_PUBLIC_NET:-172.30.88}.0/24",
              ip_range: "${TWIN_PUBLIC_NET:-172.30.88}.128/25",
            },
          ],
        },
      },
    });
  });
});
