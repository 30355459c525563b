import { LABEL_OWNER } from "../support/cleanup.ts";

/**
 * How everything of an environment is named and labelled: the one place that spells a container's or a
 * network's name, so env:up, the compose file, status, logs and cleanup always agree.
 */
export { LABEL_OWNER };

/** Label naming the component instance a container stands in for (emulator, database, app, proxy, edge). */
export const LABEL_COMPONENT = "io.threadcast.harness.component";

/** The owner label's value on everything of an environment. */
export const ownerOf = (environment: string) => `env-${environment}`;

/** The container of an environment's component instance (or of a test's helper): tc-<environment>-<name>. */
export const containerNameOf = (environment: string, instance: string) => `tc-${environment}-${instance}`;

/** A network of an environment: tc-<environment>-<role> (public, private, or a test's own). */
export const networkNameOf = (environment: string, role: string) => `tc-${environment}-${role}`;

/** The labels on a component instance's container. */
export const labelsOf = (environment: string, instance: string): Record<string, string> => ({
  [LABEL_OWNER]: ownerOf(environment),
  [LABEL_COMPONENT]: instance,
});

/**
 * Label on a volume that holds an environment's data (the database's): `env:down --keep-data` and a
 * failed resume leave such volumes for the next env:up; everything else of the environment goes.
 */
export const LABEL_DATA = "io.threadcast.harness.data";

/** On each of the group's instance containers: the EC2 instance it plays (i-...). */
export const LABEL_EC2_INSTANCE = "io.threadcast.harness.ec2-instance";

/** ... and the availability zone EC2 placed it in (Auto Scaling's scale-in balances over them). */
export const LABEL_ZONE = "io.threadcast.harness.availability-zone";

/** ... the launch template version it was launched from, and when EC2 launched it (scale-in weighs both). */
export const LABEL_LAUNCH_TEMPLATE_VERSION = "io.threadcast.harness.launch-template-version";
export const LABEL_LAUNCHED_AT = "io.threadcast.harness.launched-at";

/** A named volume of an environment: tc-<environment>-<role> (database-data). */
export const volumeNameOf = (environment: string, role: string) => `tc-${environment}-${role}`;
