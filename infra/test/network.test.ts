import { Match } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { synth, TEST_CONTEXT } from "./synth.ts";

const template = () => synth(1).backendTemplate;

function subnetIdsWith(cidrs: readonly string[]): string[] {
  const subnets = template().findResources("AWS::EC2::Subnet");
  return Object.entries(subnets)
    .filter(([, subnet]) =>
      cidrs.includes((subnet as { Properties: { CidrBlock: string } }).Properties.CidrBlock),
    )
    .map(([id]) => id);
}

describe("threadcast-vpc", () => {
  it("is 10.0.0.0/16 and named threadcast-vpc", () => {
    template().hasResourceProperties("AWS::EC2::VPC", {
      CidrBlock: "10.0.0.0/16",
      Tags: Match.arrayWith([{ Key: "Name", Value: "threadcast-vpc" }]),
    });
  });

  it.each([
    ["10.0.1.0/24", "ap-northeast-2a", "Public"],
    ["10.0.2.0/24", "ap-northeast-2c", "Public"],
    ["10.0.10.0/24", "ap-northeast-2a", "Isolated"],
    ["10.0.11.0/24", "ap-northeast-2c", "Isolated"],
  ])("has subnet %s in %s (%s)", (cidr, az, type) => {
    template().hasResourceProperties("AWS::EC2::Subnet", {
      CidrBlock: cidr,
      AvailabilityZone: az,
      Tags: Match.arrayWith([{ Key: "aws-cdk:subnet-type", Value: type }]),
    });
  });

  it("has exactly four subnets, an internet gateway and no NAT", () => {
    template().resourceCountIs("AWS::EC2::Subnet", 4);
    template().resourceCountIs("AWS::EC2::InternetGateway", 1);
    template().resourceCountIs("AWS::EC2::NatGateway", 0);
  });

  it("routes only the public subnets to the internet gateway; the private ones have no route out", () => {
    const routes = Object.values(template().findResources("AWS::EC2::Route")) as {
      Properties: {
        RouteTableId: { Ref: string };
        GatewayId?: { Ref: string };
        DestinationCidrBlock: string;
      };
    }[];
    const associations = Object.values(template().findResources("AWS::EC2::SubnetRouteTableAssociation")) as {
      Properties: { RouteTableId: { Ref: string }; SubnetId: { Ref: string } };
    }[];
    const tableOf = (subnetId: string) =>
      associations.find((association) => association.Properties.SubnetId.Ref === subnetId)?.Properties
        .RouteTableId.Ref;
    const publicTables = subnetIdsWith(["10.0.1.0/24", "10.0.2.0/24"]).map(tableOf);
    const privateTables = subnetIdsWith(["10.0.10.0/24", "10.0.11.0/24"]).map(tableOf);
    expect(publicTables.every((table) => table !== undefined)).toBe(true);
    for (const table of publicTables) {
      expect(routes.filter((route) => route.Properties.RouteTableId.Ref === table)).toEqual([
        expect.objectContaining({
          Properties: expect.objectContaining({
            DestinationCidrBlock: "0.0.0.0/0",
            GatewayId: expect.anything(),
          }),
        }),
      ]);
    }
    for (const table of privateTables) {
      expect(routes.filter((route) => route.Properties.RouteTableId.Ref === table)).toEqual([]);
    }
  });
});

describe("security groups", () => {
  const groupId = (name: string) =>
    Object.entries(
      template().findResources("AWS::EC2::SecurityGroup", { Properties: { GroupName: name } }),
    )[0]?.[0];

  it("threadcast-ec2-sg admits 22 from the operator CIDR only, and 80, 443, 8080 from anywhere", () => {
    template().hasResourceProperties("AWS::EC2::SecurityGroup", {
      GroupName: "threadcast-ec2-sg",
      SecurityGroupIngress: [
        Match.objectLike({ CidrIp: TEST_CONTEXT.operatorCidr, FromPort: 22, ToPort: 22, IpProtocol: "tcp" }),
        Match.objectLike({ CidrIp: "0.0.0.0/0", FromPort: 80, ToPort: 80, IpProtocol: "tcp" }),
        Match.objectLike({ CidrIp: "0.0.0.0/0", FromPort: 443, ToPort: 443, IpProtocol: "tcp" }),
        Match.objectLike({ CidrIp: "0.0.0.0/0", FromPort: 8080, ToPort: 8080, IpProtocol: "tcp" }),
      ],
      SecurityGroupEgress: [Match.objectLike({ CidrIp: "0.0.0.0/0", IpProtocol: "-1" })],
    });
  });

  it("threadcast-rds-sg admits 5432 from threadcast-ec2-sg and nothing else", () => {
    const rds = groupId("threadcast-rds-sg");
    const ec2 = groupId("threadcast-ec2-sg");
    expect(rds && ec2).toBeTruthy();
    template().hasResourceProperties("AWS::EC2::SecurityGroup", {
      GroupName: "threadcast-rds-sg",
      SecurityGroupIngress: Match.absent(),
      SecurityGroupEgress: [Match.objectLike({ CidrIp: "0.0.0.0/0", IpProtocol: "-1" })],
    });
    const ingress = Object.values(template().findResources("AWS::EC2::SecurityGroupIngress"));
    expect(ingress).toEqual([
      expect.objectContaining({
        Properties: expect.objectContaining({
          GroupId: { "Fn::GetAtt": [rds, "GroupId"] },
          SourceSecurityGroupId: { "Fn::GetAtt": [ec2, "GroupId"] },
          FromPort: 5432,
          ToPort: 5432,
          IpProtocol: "tcp",
        }),
      }),
    ]);
  });

  it("in phases 2 and 3, opens nothing of the API group to the world: 8080 comes from the ALB only", () => {
    for (const phase of [2, 3] as const) {
      const groups = synth(phase).backendTemplate.findResources("AWS::EC2::SecurityGroup", {
        Properties: { GroupName: "threadcast-ec2-sg" },
      });
      const [group] = Object.values(groups) as {
        Properties: { SecurityGroupIngress: { CidrIp: string }[] };
      }[];
      expect(group?.Properties.SecurityGroupIngress).toEqual([
        expect.objectContaining({ CidrIp: TEST_CONTEXT.operatorCidr, FromPort: 22 }),
      ]);
      synth(phase).backendTemplate.hasResourceProperties("AWS::EC2::SecurityGroupIngress", {
        FromPort: 8080,
        SourceSecurityGroupId: Match.anyValue(),
      });
    }
  });
});
