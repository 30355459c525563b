import { loadConfig } from "../config.ts";
import { ImageResolver } from "../images/image-resolver.ts";
import type { Environment } from "../twin/environment.ts";
import { inNamespace } from "../twin/firewall.ts";

/** Runs a shell script with NET_ADMIN in a twin container's network namespace (iptables, ip). */
export async function inNetworkNamespaceOf(
  environment: Environment,
  containerId: string,
  script: string,
): Promise<string> {
  const image = await new ImageResolver(loadConfig()).resolve("netkit");
  return inNamespace(image.reference, environment.owner, containerId, script);
}
