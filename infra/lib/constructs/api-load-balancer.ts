import { Duration } from "aws-cdk-lib";
import * as acm from "aws-cdk-lib/aws-certificatemanager";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as elbv2 from "aws-cdk-lib/aws-elasticloadbalancingv2";
import type * as route53 from "aws-cdk-lib/aws-route53";
import { Construct } from "constructs";
import { acceptFinding } from "../nag.ts";

export interface ApiLoadBalancerProps {
  readonly vpc: ec2.IVpc;
  readonly zone: route53.IHostedZone;
  readonly apiDomain: string;
}

/** Phases 2 and 3: an internet-facing ALB across 2a and 2c; 80 redirects, 443 terminates TLS 1.2+. */
export class ApiLoadBalancer extends Construct {
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly httpsListener: elbv2.ApplicationListener;
  readonly securityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: ApiLoadBalancerProps) {
    super(scope, id);
    this.securityGroup = new ec2.SecurityGroup(this, "SecurityGroup", {
      vpc: props.vpc,
      securityGroupName: "threadcast-alb-sg",
      description: "ThreadCast load balancer: HTTP and HTTPS from anywhere",
      allowAllOutbound: true,
    });
    this.securityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(80), "HTTP (redirects to HTTPS)");
    this.securityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), "HTTPS");
    acceptFinding(
      this.securityGroup,
      "EC23",
      "An internet-facing load balancer serves the public API on 80/443.",
    );
    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, "LoadBalancer", {
      vpc: props.vpc,
      internetFacing: true,
      securityGroup: this.securityGroup,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      dropInvalidHeaderFields: true,
      // WebSocket connections stay open; STOMP heartbeats (4 s) keep them well inside this.
      idleTimeout: Duration.seconds(60),
    });
    acceptFinding(
      this.loadBalancer,
      "ELB2",
      "Access logs need a log bucket; planned with the phase-2 rollout.",
    );
    this.loadBalancer.addRedirect({ sourcePort: 80, targetPort: 443 });
    const certificate = new acm.Certificate(this, "Certificate", {
      domainName: props.apiDomain,
      validation: acm.CertificateValidation.fromDns(props.zone),
    });
    this.httpsListener = this.loadBalancer.addListener("Https", {
      port: 443,
      certificates: [certificate],
      sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
      open: false,
    });
  }

  /** Targets on 8080 with the API's health check; sticky, so a STOMP session stays on one target. */
  addApiTargets(id: string, targets: elbv2.IApplicationLoadBalancerTarget[]): elbv2.ApplicationTargetGroup {
    return this.httpsListener.addTargets(id, {
      port: 8080,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets,
      healthCheck: { path: "/api/health", healthyHttpCodes: "200" },
      stickinessCookieDuration: Duration.hours(1),
      deregistrationDelay: Duration.seconds(30),
    });
  }
}
