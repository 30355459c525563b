import { Match } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { synth } from "./synth.ts";

const template = () => synth(1).frontendTemplate;
const CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6";

function distributionConfig(): Record<string, unknown> {
  const [distribution] = Object.values(template().findResources("AWS::CloudFront::Distribution")) as {
    Properties: { DistributionConfig: Record<string, unknown> };
  }[];
  return distribution!.Properties.DistributionConfig;
}

describe("the web bucket", () => {
  it("is threadcast-web-prod, versioned, with all public access blocked", () => {
    template().hasResourceProperties("AWS::S3::Bucket", {
      BucketName: "threadcast-web-prod",
      VersioningConfiguration: { Status: "Enabled" },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
  });

  it("lets only this CloudFront distribution read objects (OAC), and grants no ListBucket", () => {
    const [policy] = Object.values(template().findResources("AWS::S3::BucketPolicy")) as {
      Properties: {
        PolicyDocument: {
          Statement: { Effect: string; Principal?: unknown; Action: unknown; Condition?: unknown }[];
        };
      };
    }[];
    const allows = policy!.Properties.PolicyDocument.Statement.filter(
      (statement) => statement.Effect === "Allow",
    );
    expect(allows).toEqual([
      expect.objectContaining({
        Principal: { Service: "cloudfront.amazonaws.com" },
        Action: "s3:GetObject",
        Condition: { StringEquals: { "AWS:SourceArn": expect.anything() } },
      }),
    ]);
    expect(JSON.stringify(allows)).not.toContain("s3:ListBucket");
    template().hasResourceProperties("AWS::CloudFront::OriginAccessControl", {
      OriginAccessControlConfig: Match.objectLike({
        OriginAccessControlOriginType: "s3",
        SigningBehavior: "always",
      }),
    });
  });
});

describe("the CloudFront distribution", () => {
  it("serves threadcast.io and www.threadcast.io with the ACM certificate, TLSv1.2_2021, PriceClass_200", () => {
    expect(distributionConfig()).toMatchObject({
      Aliases: ["threadcast.io", "www.threadcast.io"],
      PriceClass: "PriceClass_200",
      DefaultRootObject: "index.html",
      ViewerCertificate: {
        MinimumProtocolVersion: "TLSv1.2_2021",
        SslSupportMethod: "sni-only",
        AcmCertificateArn: expect.anything(),
      },
      DefaultCacheBehavior: expect.objectContaining({
        ViewerProtocolPolicy: "redirect-to-https",
        CachePolicyId: CACHING_OPTIMIZED,
      }),
    });
  });

  it("requests the certificate for threadcast.io and *.threadcast.io in us-east-1, validated by DNS", () => {
    expect(synth(1).frontend.region).toBe("us-east-1");
    template().hasResourceProperties("AWS::CertificateManager::Certificate", {
      DomainName: "threadcast.io",
      SubjectAlternativeNames: ["*.threadcast.io"],
      ValidationMethod: "DNS",
    });
  });

  // With OAC and no s3:ListBucket (asserted above), S3 answers a missing key with 403, not 404.
  // The seed maps only 404 -> /index.html, which would make every deep link a 403 in production.
  it("maps both 403 and 404 to /index.html with 200, so deep links reach the client router", () => {
    expect(distributionConfig().CustomErrorResponses).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ ErrorCode: 403, ResponseCode: 200, ResponsePagePath: "/index.html" }),
        expect.objectContaining({ ErrorCode: 404, ResponseCode: 200, ResponsePagePath: "/index.html" }),
      ]),
    );
  });
});

describe("DNS for the web app", () => {
  it("aliases threadcast.io to the distribution and points www at threadcast.io, in the existing zone", () => {
    const [distributionId] = Object.keys(template().findResources("AWS::CloudFront::Distribution"));
    template().hasResourceProperties("AWS::Route53::RecordSet", {
      Name: "threadcast.io.",
      Type: "A",
      HostedZoneId: "Z0123456789ABCDEFGHIJ",
      AliasTarget: {
        DNSName: { "Fn::GetAtt": [distributionId, "DomainName"] },
        HostedZoneId: Match.anyValue(),
      },
    });
    template().hasResourceProperties("AWS::Route53::RecordSet", {
      Name: "www.threadcast.io.",
      Type: "CNAME",
      ResourceRecords: ["threadcast.io"],
    });
  });
});
