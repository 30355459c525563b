import type { EntryPoint } from "../twin/entry-points.ts";

/** Where the compose twin's setup service leaves what the other services mount (named volumes). */
export const COMPOSE_VOLUMES = {
  emulatorInfo: "/twin/emulator-info",
  instanceBoot: "/twin/instance-boot",
  instanceRelease: "/twin/instance-release",
  instanceAws: "/twin/instance-aws",
  apiTls: "/twin/api-tls",
  edge: "/twin/edge",
  databaseSecret: "/twin/database-secret",
} as const;

/** An entry point's ports as compose publishes them: on its loopback address, with the same numbers. */
export const composePorts = (point: EntryPoint) =>
  point.ports.map((port) => `${point.address}:${port}:${port}`);

/** A value compose must not interpolate: every `$` doubled. */
export const composeLiteral = (text: string) => text.replace(/\$/g, "$$$$");
