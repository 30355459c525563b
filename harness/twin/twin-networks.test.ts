import { describe, expect, it } from "vitest";
import { ADDRESS_OFFSETS, addressIn, subnetPlan } from "./twin-networks.ts";

describe("the twin's subnets and fixed addresses", () => {
  it("keeps Docker's own addresses in the upper half, clear of the fixed ones", () => {
    expect(subnetPlan("172.18.0.0/16")).toEqual({
      subnet: "172.18.0.0/16",
      gateway: "172.18.0.1",
      ipRange: "172.18.128.0/17",
    });
    expect(subnetPlan("192.168.48.0/20")).toEqual({
      subnet: "192.168.48.0/20",
      gateway: "192.168.48.1",
      ipRange: "192.168.56.0/21",
    });
  });

  it("puts the resolver at the base + 2, as a VPC has it, whatever address of the subnet is given", () => {
    expect(addressIn("10.77.1.0/24", ADDRESS_OFFSETS.resolver)).toBe("10.77.1.2");
    expect(addressIn("10.77.1.130/24", ADDRESS_OFFSETS.app)).toBe("10.77.1.10");
    expect(subnetPlan("10.77.1.130/24").subnet).toBe("10.77.1.0/24");
  });

  it("refuses what is not an IPv4 subnet it can lay the fixed addresses in", () => {
    expect(() => subnetPlan("fd00::/64")).toThrow(/not an IPv4 CIDR between \/16 and \/28/);
    expect(() => subnetPlan("10.0.0.0/30")).toThrow(/10\.0\.0\.0\/30 is not an IPv4 CIDR/);
  });
});
