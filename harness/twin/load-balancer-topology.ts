import { HarnessError } from "../errors.ts";
import type { TemplateResource } from "../cdk/cloud-assembly.ts";
import { ofType, only, refOf, type Resources } from "./template-resources.ts";

/** A target group's health check, with ELBv2's defaults where the template leaves a value out. */
export interface HealthCheck {
  readonly path: string;
  /** The matcher's HTTP codes as the template writes them: "200", "200,302" or "200-299". */
  readonly codes: string;
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
  /** The port checked: the traffic port unless the template names another. */
  readonly port: number;
}

export interface TargetGroup {
  readonly logicalId: string;
  readonly port: number;
  readonly healthCheck: HealthCheck;
  readonly deregistrationDelaySeconds: number;
  /** The load balancer's cookie and how long it pins a client to a target; undefined when not sticky. */
  readonly stickinessSeconds: number | undefined;
}

/** An HTTP listener that only redirects (ALB's `redirect` action). */
export interface RedirectListener {
  readonly port: number;
  readonly toPort: number;
  readonly toProtocol: "HTTPS";
  readonly statusCode: 301 | 302;
}

/** The application load balancer the twin's HAProxy plays, read from its ELBv2 resources. */
export interface LoadBalancerTopology {
  readonly logicalId: string;
  readonly idleTimeoutSeconds: number;
  readonly dropInvalidHeaderFields: boolean;
  readonly redirects: readonly RedirectListener[];
  readonly https: {
    readonly logicalId: string;
    readonly port: number;
    readonly sslPolicy: string;
    readonly minimumTlsVersion: "TLSv1.2" | "TLSv1.3";
  };
  readonly targetGroup: TargetGroup;
}

/** ELBv2's defaults for an HTTP target group of instances (AWS::ElasticLoadBalancingV2::TargetGroup). */
export const TARGET_GROUP_DEFAULTS = {
  path: "/",
  codes: "200",
  intervalSeconds: 30,
  timeoutSeconds: 5,
  healthyThreshold: 5,
  unhealthyThreshold: 2,
  deregistrationDelaySeconds: 300,
  stickinessSeconds: 86_400,
} as const;

/** ELBv2's default idle timeout of an application load balancer. */
export const DEFAULT_IDLE_TIMEOUT_SECONDS = 60;

/** An attribute list (LoadBalancerAttributes, TargetGroupAttributes) as a map. */
function attributes(resource: TemplateResource, key: string): Map<string, string> {
  const list = (resource.Properties?.[key] as { Key: string; Value: string }[] | undefined) ?? [];
  return new Map(list.map((attribute) => [attribute.Key, String(attribute.Value)]));
}

function numberOr(value: unknown, fallback: number): number {
  return value === undefined ? fallback : Number(value);
}

/** The lowest TLS version an ELBv2 security policy admits; policies that admit TLS 1.0 or 1.1 are refused. */
export function policyMinimumTls(policy: string): "TLSv1.2" | "TLSv1.3" {
  if (/TLS13-1-3/.test(policy)) return "TLSv1.3";
  if (/TLS13-1-2|TLS-1-2|FS-1-2/.test(policy)) return "TLSv1.2";
  throw new HarnessError(
    `the HTTPS listener uses SSL policy ${policy}, which admits TLS older than 1.2; the twin's load balancer serves TLS 1.2 and later only`,
    "use elbv2.SslPolicy.RECOMMENDED_TLS (ELBSecurityPolicy-TLS13-1-2-2021-06), as the seed requires TLS 1.2+",
  );
}

function targetGroup(logicalId: string, resource: TemplateResource): TargetGroup {
  const props = resource.Properties ?? {};
  if (props.Protocol !== "HTTP" || (props.TargetType ?? "instance") !== "instance")
    throw new HarnessError(
      `target group ${logicalId} is ${String(props.Protocol)} to ${String(props.TargetType)} targets; the twin's load balancer forwards HTTP to instances (phase 2)`,
    );
  const port = Number(props.Port);
  const healthPort = props.HealthCheckPort;
  const attrs = attributes(resource, "TargetGroupAttributes");
  const sticky = attrs.get("stickiness.enabled") === "true";
  if (sticky && (attrs.get("stickiness.type") ?? "lb_cookie") !== "lb_cookie")
    throw new HarnessError(
      `target group ${logicalId} uses ${attrs.get("stickiness.type")} stickiness; the twin's load balancer plays lb_cookie only`,
    );
  const d = TARGET_GROUP_DEFAULTS;
  return {
    logicalId,
    port,
    healthCheck: {
      path: String(props.HealthCheckPath ?? d.path),
      codes: String((props.Matcher as { HttpCode?: string } | undefined)?.HttpCode ?? d.codes),
      intervalSeconds: numberOr(props.HealthCheckIntervalSeconds, d.intervalSeconds),
      timeoutSeconds: numberOr(props.HealthCheckTimeoutSeconds, d.timeoutSeconds),
      healthyThreshold: numberOr(props.HealthyThresholdCount, d.healthyThreshold),
      unhealthyThreshold: numberOr(props.UnhealthyThresholdCount, d.unhealthyThreshold),
      port: healthPort === undefined || healthPort === "traffic-port" ? port : Number(healthPort),
    },
    deregistrationDelaySeconds: numberOr(
      attrs.get("deregistration_delay.timeout_seconds"),
      d.deregistrationDelaySeconds,
    ),
    stickinessSeconds: sticky
      ? numberOr(attrs.get("stickiness.lb_cookie.duration_seconds"), d.stickinessSeconds)
      : undefined,
  };
}

function redirect(logicalId: string, resource: TemplateResource): RedirectListener {
  const action = (resource.Properties?.DefaultActions as Record<string, unknown>[])[0];
  const config = action?.RedirectConfig as Record<string, string> | undefined;
  if (action?.Type !== "redirect" || config?.Protocol !== "HTTPS")
    throw new HarnessError(
      `HTTP listener ${logicalId} does not redirect to HTTPS; the twin serves plain HTTP only as a redirect (TLS everywhere)`,
    );
  return {
    port: Number(resource.Properties?.Port),
    toPort: Number(config.Port ?? 443),
    toProtocol: "HTTPS",
    statusCode: config.StatusCode === "HTTP_302" ? 302 : 301,
  };
}

/** The one application load balancer of the backend template, its listeners and its target group. */
export function deriveLoadBalancer(resources: Resources): LoadBalancerTopology {
  const [logicalId, balancer] = only(
    resources,
    "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "the API's load balancer",
  );
  if ((balancer.Properties?.Type ?? "application") !== "application")
    throw new HarnessError(`load balancer ${logicalId} is not an application load balancer`);
  const listeners = ofType(resources, "AWS::ElasticLoadBalancingV2::Listener").filter(
    ([, listener]) => refOf(listener.Properties?.LoadBalancerArn) === logicalId,
  );
  const https = listeners.filter(([, listener]) => listener.Properties?.Protocol === "HTTPS");
  if (https.length !== 1)
    throw new HarnessError(
      `load balancer ${logicalId} has ${https.length} HTTPS listeners; the twin plays exactly one`,
    );
  const [httpsId, httpsListener] = https[0] as [string, TemplateResource];
  const forward = (httpsListener.Properties?.DefaultActions as Record<string, unknown>[])[0];
  const groupId = refOf(forward?.TargetGroupArn);
  const group = groupId === undefined ? undefined : resources[groupId];
  if (forward?.Type !== "forward" || groupId === undefined || group === undefined)
    throw new HarnessError(`HTTPS listener ${httpsId} does not forward to a target group of the template`);
  const attrs = attributes(balancer, "LoadBalancerAttributes");
  const sslPolicy = String(httpsListener.Properties?.SslPolicy ?? "ELBSecurityPolicy-2016-08");
  return {
    logicalId,
    idleTimeoutSeconds: numberOr(attrs.get("idle_timeout.timeout_seconds"), DEFAULT_IDLE_TIMEOUT_SECONDS),
    dropInvalidHeaderFields: attrs.get("routing.http.drop_invalid_header_fields.enabled") === "true",
    redirects: listeners
      .filter(([, listener]) => listener.Properties?.Protocol === "HTTP")
      .map(([id, listener]) => redirect(id, listener)),
    https: {
      logicalId: httpsId,
      port: Number(httpsListener.Properties?.Port),
      sslPolicy,
      minimumTlsVersion: policyMinimumTls(sslPolicy),
    },
    targetGroup: targetGroup(groupId, group),
  };
}
