import { app } from "./app.ts";
import { broker } from "./broker.ts";
import type { ComponentInstance, ComponentKind, InstanceShape } from "./component.ts";
import { database } from "./database.ts";
import { dns } from "./dns.ts";
import { edge } from "./edge.ts";
import { egress } from "./egress.ts";
import { emulator } from "./emulator.ts";
import { loadBalancer } from "./load-balancer.ts";
import { proxy } from "./proxy.ts";

/**
 * Every component of the twin, in the order status and logs list them. env:up, env:status, env:logs,
 * compose:write, the failure-log capture and cleanup all read this list: a new component is one module
 * and one line here.
 */
export const COMPONENTS: readonly ComponentKind[] = [
  emulator,
  database,
  app,
  proxy,
  loadBalancer,
  broker,
  edge,
  dns,
  egress,
];

/** Every instance of every component, with the kind it belongs to. */
export function instancesOf(
  components: readonly ComponentKind[] = COMPONENTS,
  shape?: InstanceShape,
): (ComponentInstance & { readonly kind: ComponentKind })[] {
  return components.flatMap((kind) => kind.instances(shape).map((instance) => ({ ...instance, kind })));
}

/** The instances' names (the containers' short names and component labels). */
export const instanceNames = (components: readonly ComponentKind[] = COMPONENTS, shape?: InstanceShape) =>
  instancesOf(components, shape).map((instance) => instance.name);
