import { STICKINESS_COOKIE } from "../client/stickiness-cookie.ts";
import type { HealthCheck, LoadBalancerTopology } from "../twin/load-balancer-topology.ts";

/** Where the load balancer container reads its configuration, certificate and runtime socket. */
export const LOAD_BALANCER_PATHS = {
  config: "/etc/twin-alb/haproxy.cfg",
  /** The listener's certificate chain and key in one PEM (HAProxy's `crt`). */
  certificate: "/etc/twin-alb/tls/listener.pem",
  runtimeSocket: "/run/haproxy/admin.sock",
} as const;

/** ELBv2's connection timeout to a target (not configurable on an ALB). */
export const TARGET_CONNECT_TIMEOUT_SECONDS = 10;

/** The cookie value of the fail-open slots (the targets' own are derived from their addresses). */
export const FAIL_OPEN_COOKIE = "fail-open";

/** The backend name of the target group in HAProxy's configuration (its logical id). */
export const backendOf = (balancer: LoadBalancerTopology): string => balancer.targetGroup.logicalId;

/** The name prefixes of the backend's slots: targets checked as the group says, and their fail-open twins. */
export const SLOT_PREFIX = { target: "target", open: "open" } as const;

/** What the configuration needs beyond the template: how many targets it can hold, the cookie's key. */
export interface LoadBalancerSlots {
  /** Target slots: registration fills one (HAProxy's runtime API sets its address and enables it). */
  readonly count: number;
  /** The key HAProxy derives each target's stickiness cookie from (with its address), per environment. */
  readonly cookieKey: string;
}

/**
 * The matcher as an HAProxy check expectation: one code, a list ("200,302") or a range ("200-299").
 * Ranges and lists become an anchored regular expression over the status.
 */
export function statusExpectation(codes: string): string {
  if (/^\d{3}$/.test(codes)) return `status ${codes}`;
  const alternatives = codes.split(",").map((part) => {
    const range = part.trim().match(/^(\d{3})-(\d{3})$/);
    if (!range) {
      if (!/^\d{3}$/.test(part.trim())) throw new Error(`health check matcher ${codes} is not HTTP codes`);
      return part.trim();
    }
    const [from, to] = [Number(range[1]), Number(range[2])];
    return Array.from({ length: to - from + 1 }, (_, i) => String(from + i)).join("|");
  });
  return `rstatus ^(${alternatives.join("|")})$`;
}

/** What every target slot carries: the health check's rhythm and port; it starts empty and disabled. */
export function slotOptions(check: HealthCheck): string {
  return [
    "check",
    `inter ${check.intervalSeconds}s`,
    `fall ${check.unhealthyThreshold}`,
    `rise ${check.healthyThreshold}`,
    `port ${check.port}`,
    "disabled",
  ].join(" ");
}

function redirectFrontends(balancer: LoadBalancerTopology): string[] {
  return balancer.redirects.flatMap((redirect) => {
    const port = redirect.toPort === 443 ? "" : `:${redirect.toPort}`;
    return [
      `frontend http-${redirect.port}`,
      `  bind :${redirect.port}`,
      `  http-request redirect location https://%[req.hdr(host),field(1,:)]${port}%[capture.req.uri] code ${redirect.statusCode}`,
      "",
    ];
  });
}

function targetBackend(balancer: LoadBalancerTopology, slots: LoadBalancerSlots): string[] {
  const group = balancer.targetGroup;
  const check = group.healthCheck;
  const range = `1-${slots.count}`;
  // ALB's cookie is opaque: HAProxy's dynamic cookie is a hash of the key and the target's address.
  const sticky =
    group.stickinessSeconds === undefined
      ? []
      : [
          `  cookie ${STICKINESS_COOKIE} insert indirect nocache dynamic attr "Max-Age=${group.stickinessSeconds}"`,
          `  dynamic-cookie-key ${slots.cookieKey}`,
        ];
  return [
    `backend ${backendOf(balancer)}`,
    "  balance roundrobin",
    "  option httpchk",
    `  http-check send meth GET uri ${check.path} ver HTTP/1.1 hdr Host ${group.logicalId} hdr User-Agent ELB-HealthChecker/2.0`,
    `  http-check expect ${statusExpectation(check.codes)}`,
    `  timeout check ${check.timeoutSeconds}s`,
    ...sticky,
    `  server-template ${SLOT_PREFIX.target} ${range} 0.0.0.0:${group.port} ${slotOptions(check)}`,
    // Fail open, as an ALB does: when every target fails its check, all registered targets get traffic.
    "  option allbackups",
    // Their own cookie, so a client pinned to a target never follows it to its always-up twin.
    `  server-template ${SLOT_PREFIX.open} ${range} 0.0.0.0:${group.port} backup disabled${sticky.length > 0 ? ` cookie ${FAIL_OPEN_COOKIE}` : ""}`,
  ];
}

/**
 * HAProxy's configuration for the twin's ALB: each HTTP listener a redirect, the HTTPS listener a TLS
 * frontend with the SSL policy's minimum version and ALB's X-Forwarded-* headers, the target group a
 * backend with its health check, stickiness cookie and empty target slots, every timeout the idle timeout (a
 * WebSocket is a tunnel closed after that long without traffic, as on an ALB).
 */
export function loadBalancerConfig(balancer: LoadBalancerTopology, slots: LoadBalancerSlots): string {
  const idle = `${balancer.idleTimeoutSeconds}s`;
  const https = balancer.https;
  const lines = [
    "global",
    "  log stdout format raw local0 info",
    `  stats socket ${LOAD_BALANCER_PATHS.runtimeSocket} mode 600 level admin`,
    `  ssl-default-bind-options ssl-min-ver ${https.minimumTlsVersion}`,
    "",
    "defaults",
    "  mode http",
    "  log global",
    "  option httplog",
    "  option dontlognull",
    `  timeout connect ${TARGET_CONNECT_TIMEOUT_SECONDS}s`,
    `  timeout client ${idle}`,
    `  timeout server ${idle}`,
    `  timeout http-request ${idle}`,
    `  timeout http-keep-alive ${idle}`,
    `  timeout tunnel ${idle}`,
    "",
    ...redirectFrontends(balancer),
    `frontend https-${https.port}`,
    `  bind :${https.port} ssl crt ${LOAD_BALANCER_PATHS.certificate} alpn h2,http/1.1`,
    "  option forwardfor",
    "  http-request set-header X-Forwarded-Proto https",
    `  http-request set-header X-Forwarded-Port ${https.port}`,
    `  default_backend ${backendOf(balancer)}`,
    "",
    ...targetBackend(balancer, slots),
  ];
  return `${lines.join("\n")}\n`;
}
