import { describe, expect, it } from "vitest";
import { nextSubnet } from "./group-instances.ts";

describe("nextSubnet: Auto Scaling's balancing of a group over its zones", () => {
  const subnets = ["subnet-2a", "subnet-2c"];
  const at = (...ids: string[]) => ids.map((subnetId) => ({ subnetId }));

  it("starts in the first of the group's subnets", () => {
    expect(nextSubnet(subnets, [])).toBe("subnet-2a");
  });

  it("goes to the subnet with the fewest instances", () => {
    expect(nextSubnet(subnets, at("subnet-2a"))).toBe("subnet-2c");
    expect(nextSubnet(subnets, at("subnet-2a", "subnet-2c", "subnet-2c"))).toBe("subnet-2a");
  });

  it("refills the zone an instance left", () => {
    expect(nextSubnet(subnets, at("subnet-2a", "subnet-2a", "subnet-2c"))).toBe("subnet-2c");
  });

  it("ignores instances outside the group's subnets, and refuses a group without subnets", () => {
    expect(nextSubnet(subnets, at("subnet-elsewhere", "subnet-elsewhere"))).toBe("subnet-2a");
    expect(() => nextSubnet([], [])).toThrow(/no subnets/);
  });
});
