import { Duration, Stack, type StackProps } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as route53 from "aws-cdk-lib/aws-route53";
import * as targets from "aws-cdk-lib/aws-route53-targets";
import * as sns from "aws-cdk-lib/aws-sns";
import type { Construct } from "constructs";
import { alarm, FIVE_MINUTES } from "./constructs/alarms.ts";
import { StaticSite } from "./constructs/static-site.ts";
import { declareOutput } from "./declare-output.ts";
import { FRONTEND_OUTPUTS } from "./stack-outputs.ts";

export interface FrontendStackProps extends StackProps {
  readonly domain: string;
  readonly hostedZoneId: string;
  readonly bucketName: string;
}

/**
 * Everything of the web app, in us-east-1 where CloudFront requires its certificate and publishes its
 * metrics: bucket, certificate, distribution, <domain> and www.<domain>, and the 5xx-rate alarm. Keeping
 * them in one stack avoids cross-region references (which CDK implements with Lambda custom resources).
 */
export class FrontendStack extends Stack {
  constructor(scope: Construct, id: string, props: FrontendStackProps) {
    super(scope, id, props);
    const zone = route53.HostedZone.fromHostedZoneAttributes(this, "Zone", {
      hostedZoneId: props.hostedZoneId,
      zoneName: props.domain,
    });
    const site = new StaticSite(this, "Site", { domain: props.domain, bucketName: props.bucketName, zone });
    new route53.ARecord(this, "ApexRecord", {
      zone,
      target: route53.RecordTarget.fromAlias(new targets.CloudFrontTarget(site.distribution)),
    });
    new route53.CnameRecord(this, "WwwRecord", {
      zone,
      recordName: "www",
      domainName: props.domain,
      ttl: Duration.minutes(5),
    });
    const alarmTopic = new sns.Topic(this, "AlarmTopic", {
      displayName: "ThreadCast web alarms",
      enforceSSL: true,
    });
    alarm(this, "Distribution5xxAlarm", alarmTopic, {
      metric: new cloudwatch.Metric({
        namespace: "AWS/CloudFront",
        metricName: "5xxErrorRate",
        dimensionsMap: { DistributionId: site.distribution.distributionId, Region: "Global" },
        statistic: "Average",
        period: FIVE_MINUTES,
      }),
      threshold: 5,
      comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 2,
      description: "More than 5% of CloudFront responses are 5xx for 10 minutes",
    });
    declareOutput(this, FRONTEND_OUTPUTS.webBucketName, site.bucket.bucketName);
    declareOutput(this, FRONTEND_OUTPUTS.distributionId, site.distribution.distributionId);
    declareOutput(this, FRONTEND_OUTPUTS.distributionDomainName, site.distribution.distributionDomainName);
    declareOutput(this, FRONTEND_OUTPUTS.certificateArn, site.certificate.certificateArn);
    declareOutput(this, FRONTEND_OUTPUTS.siteDomainNames, [props.domain, `www.${props.domain}`].join(","));
  }
}
