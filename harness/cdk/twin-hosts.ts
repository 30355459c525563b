/** Host names of the twin's stand-in containers on its internal networks, as the rewritten templates name them. */
export const TWIN_HOSTS = {
  database: "database.twin.internal",
  edge: "edge.twin.internal",
  loadBalancer: "alb.twin.internal",
  broker: "broker.twin.internal",
} as const;
