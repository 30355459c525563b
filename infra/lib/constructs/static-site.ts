import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as acm from "aws-cdk-lib/aws-certificatemanager";
import * as cloudfront from "aws-cdk-lib/aws-cloudfront";
import * as origins from "aws-cdk-lib/aws-cloudfront-origins";
import type * as route53 from "aws-cdk-lib/aws-route53";
import * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { acceptFinding } from "../nag.ts";

export interface StaticSiteProps {
  readonly domain: string;
  readonly bucketName: string;
  readonly zone: route53.IHostedZone;
}

/**
 * The SPA's error responses. With Origin Access Control and no s3:ListBucket, S3 answers a missing key
 * with 403, not 404: mapping only 404 (as the seed does) would break every deep link such as
 * /workspaces/42/missions in production. Both map to index.html with 200, so the client router runs.
 */
export const SPA_ERROR_RESPONSES: readonly cloudfront.ErrorResponse[] = [403, 404].map((httpStatus) => ({
  httpStatus,
  responseHttpStatus: 200,
  responsePagePath: "/index.html",
  ttl: Duration.seconds(10),
}));

/**
 * The React build in a private, versioned S3 bucket, served only through CloudFront with Origin Access
 * Control, on <domain> and www.<domain> with an ACM certificate for <domain> and *.<domain>.
 *
 * The seed lists S3 "static website hosting" as enabled; that endpoint is HTTP-only and needs a public
 * bucket, which contradicts "access through CloudFront OAC". The bucket's REST endpoint with OAC is used,
 * and the SPA behaviour comes from the distribution's default root object and error responses.
 */
export class StaticSite extends Construct {
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  readonly certificate: acm.Certificate;

  constructor(scope: Construct, id: string, props: StaticSiteProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, "Bucket", {
      bucketName: props.bucketName,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.certificate = new acm.Certificate(this, "Certificate", {
      domainName: props.domain,
      subjectAlternativeNames: [`*.${props.domain}`],
      validation: acm.CertificateValidation.fromDns(props.zone),
    });
    this.distribution = new cloudfront.Distribution(this, "Distribution", {
      comment: `ThreadCast web app (${props.domain})`,
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        compress: true,
      },
      domainNames: [props.domain, `www.${props.domain}`],
      certificate: this.certificate,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_200,
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      defaultRootObject: "index.html",
      errorResponses: [...SPA_ERROR_RESPONSES],
    });
    acceptFinding(
      this.bucket,
      "S1",
      "Only CloudFront reads this bucket (OAC); viewer requests are what matters, see CFR3.",
    );
    acceptFinding(this.distribution, "CFR1", "ThreadCast serves users worldwide; no country is restricted.");
    acceptFinding(
      this.distribution,
      "CFR2",
      "Static files only, no forms or server logic at the edge; WAF exceeds the seed's budget.",
    );
    acceptFinding(
      this.distribution,
      "CFR3",
      "Access logging is a recommended follow-up; the seed's budget has no log storage for it.",
    );
  }
}
