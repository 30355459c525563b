import { describe, expect, it } from "vitest";
import type { Template } from "./cloud-assembly.ts";
import {
  assembleProperties,
  propertyOutputs,
  withoutResources,
  type Replacement,
} from "./template-rewrite.ts";

const template: Template = {
  Resources: {
    Db: { Type: "AWS::RDS::DBInstance", Properties: { DBName: "threadcast" } },
    Ip: { Type: "AWS::EC2::EIP", Properties: { InstanceId: { Ref: "Instance" } } },
    Instance: {
      Type: "AWS::EC2::Instance",
      DependsOn: ["Db", "Role"],
      Properties: {
        UserData: {
          "Fn::Base64": { "Fn::Join": ["", ["DB_HOST=", { "Fn::GetAtt": ["Db", "Endpoint.Address"] }]] },
        },
      },
    },
    Role: { Type: "AWS::IAM::Role", DependsOn: "Db", Properties: {} },
    Record: {
      Type: "AWS::Route53::RecordSet",
      Properties: { ResourceRecords: [{ Ref: "Ip" }], Comment: { "Fn::Sub": "ip ${Ip} for ${Instance}" } },
    },
  },
  Outputs: {
    Endpoint: { Value: { "Fn::GetAtt": "Db.Endpoint.Address" } },
    Port: { Value: { "Fn::GetAtt": ["Db", "Endpoint.Port"] } },
  },
};

const replacements = new Map<string, Replacement>([
  ["Db", { ref: "twin-db", attributes: { "Endpoint.Address": "db.twin.internal", "Endpoint.Port": "5432" } }],
  ["Ip", { ref: "198.51.100.20", attributes: { AllocationId: "eipalloc-1" } }],
]);

describe("withoutResources", () => {
  const rewritten = withoutResources(template, replacements);

  it("removes the resources and replaces Ref, both Fn::GetAtt forms and Fn::Sub placeholders", () => {
    expect(Object.keys(rewritten.Resources).sort()).toEqual(["Instance", "Record", "Role"]);
    expect(rewritten.Resources.Record?.Properties).toEqual({
      ResourceRecords: ["198.51.100.20"],
      Comment: { "Fn::Sub": "ip 198.51.100.20 for ${Instance}" },
    });
    expect(JSON.stringify(rewritten.Resources.Instance?.Properties)).toContain(
      '"DB_HOST=","db.twin.internal"',
    );
    expect(rewritten.Outputs).toEqual({ Endpoint: { Value: "db.twin.internal" }, Port: { Value: "5432" } });
  });

  it("drops DependsOn entries on removed resources and keeps the others", () => {
    expect(rewritten.Resources.Instance?.DependsOn).toEqual(["Role"]);
    expect(rewritten.Resources.Role).not.toHaveProperty("DependsOn");
  });

  it("leaves the input template untouched", () => {
    expect(Object.keys(template.Resources)).toContain("Db");
  });

  it("refuses an attribute the twin has no value for, instead of deploying a placeholder", () => {
    const partial = new Map<string, Replacement>([
      ["Db", { ref: "twin-db", attributes: {} }],
      ["Ip", replacements.get("Ip")!],
    ]);
    expect(() => withoutResources(template, partial)).toThrow(/Db\.Endpoint\.Address is referenced/);
  });
});

describe("propertyOutputs and assembleProperties", () => {
  const properties = {
    InstanceType: "t3.micro",
    UserData: { "Fn::Base64": { "Fn::Join": ["", ["DB=", { "Fn::GetAtt": ["Db", "Endpoint.Address"] }]] } },
    Groups: [{ "Fn::GetAtt": ["Sg", "GroupId"] }, "sg-literal"],
  };
  const replacements = new Map<string, Replacement>([
    ["Db", { ref: "db", attributes: { "Endpoint.Address": "database.twin.internal" } }],
  ]);

  it("asks the emulator for each intrinsic function, references to removed resources already answered", () => {
    expect(propertyOutputs("Lt", properties, replacements)).toEqual({
      TwinProperty0OfLt: { Value: { "Fn::Base64": { "Fn::Join": ["", ["DB=", "database.twin.internal"]] } } },
      TwinProperty1OfLt: { Value: { "Fn::GetAtt": ["Sg", "GroupId"] } },
    });
  });

  it("puts the deployed values back where each function was, literals untouched", () => {
    const deployed = { TwinProperty0OfLt: "REI9ZGF0YWJhc2U=", TwinProperty1OfLt: "sg-123" };
    expect(assembleProperties("Lt", properties, replacements, deployed)).toEqual({
      InstanceType: "t3.micro",
      UserData: "REI9ZGF0YWJhc2U=",
      Groups: ["sg-123", "sg-literal"],
    });
  });

  it("names the output it misses instead of leaving a function in the properties", () => {
    expect(() => assembleProperties("Lt", properties, replacements, { TwinProperty0OfLt: "x" })).toThrow(
      /no output TwinProperty1OfLt \(a property of Lt\)/,
    );
  });
});
