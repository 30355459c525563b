import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { InstanceShape, TwinAddresses } from "../components/component.ts";
import type { HarnessConfig } from "../config.ts";
import type { EntryPoints } from "./entry-points.ts";
import type { Topology } from "./topology.ts";
import type { DatabaseDescription, DeployedSecurityGroups } from "./twin-setup.ts";

/** A running twin, as env:up leaves it and env:status reads it back. Holds no secret. */
export interface Environment {
  readonly name: string;
  /** The label value on everything of this environment. */
  readonly owner: string;
  readonly dir: string;
  /** The environment's CA certificate: trust it (only it) to reach the twin over TLS. */
  readonly caFile: string;
  readonly urls: {
    readonly site: string;
    readonly www: string;
    readonly api: string;
    readonly ws: string;
  };
  /** Host name -> loopback address, from the Route 53 records deployed to the emulator. */
  readonly hosts: Readonly<Record<string, string>>;
  readonly hostsVia: Readonly<Record<string, string>>;
  readonly entryPoints: EntryPoints;
  /** The networks, and the fixed addresses in them (none in the compose twin's description). */
  readonly networks: {
    readonly public: string;
    readonly private: string;
    readonly addresses?: TwinAddresses;
  };
  /** Each component instance's container (id, or name in the compose twin), by instance name. */
  readonly containers: TwinContainers;
  readonly emulator: { readonly endpoint: string; readonly hostedZoneId: string };
  readonly database: DatabaseDescription;
  readonly bucket: string;
  /** The deployed security groups the twin enforces (iptables in the instance's and the database's namespaces). */
  readonly securityGroups: DeployedSecurityGroups;
  readonly topology: Topology;
  readonly startedAt: string;
  readonly timingsMs: Readonly<Record<string, number>>;
}

/**
 * The containers by instance name. Phase 1's instances are named for the scenarios that reach into
 * them (kill the app, psql in the database); any further instance (a component added to the list) is
 * there by its name too.
 */
export type TwinContainers = Readonly<Record<"emulator" | "database" | "app" | "proxy" | "edge", string>> &
  Readonly<Record<string, string>>;

/** The instances a running environment has: its phase, its group and the group's instances now. */
export function shapeOf(environment: Environment): InstanceShape {
  const members = Object.keys(environment.containers).filter((name) => /^app-\d+$/.test(name));
  const { phase, fleet } = environment.topology;
  return fleet ? { phase, fleet, members } : { phase };
}

/** The environment's directory: its CA, keys, generated files and saved description. */
export const envDir = (config: HarnessConfig, name: string) => join(config.stateDir, "envs", name);
const stateFile = (dir: string) => join(dir, "environment.json");
/** Entry-point claims are per machine user (the cache), not per clone: loopback addresses are shared. */
export const claimsDir = (config: HarnessConfig) => join(config.cacheDir, "entry-points");

/** The environment's saved description, or undefined when it was never brought up (or was taken down). */
export function readEnvironment(config: HarnessConfig, name = config.envName): Environment | undefined {
  const dir = envDir(config, name);
  if (!existsSync(stateFile(dir))) return undefined;
  const saved = JSON.parse(readFileSync(stateFile(dir), "utf8")) as Environment;
  // Paths as this machine sees them (the compose setup writes from inside a container).
  return { ...saved, dir, caFile: join(dir, "ca", "ca.crt") };
}

/** Saves the description where env:status and the scenarios read it (atomically: a killed run leaves none or all). */
export function writeEnvironment(environment: Environment, dir = environment.dir): void {
  const temporary = `${stateFile(dir)}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(environment, null, 2)}\n`);
  renameSync(temporary, stateFile(dir));
}
