import { basename } from "node:path";
import { GenericContainer } from "testcontainers";
import { LABEL_OWNER } from "../support/cleanup.ts";
import type { IssuedCertificate } from "../tls/local-ca.ts";

/**
 * The nginx TLS proxy for the API, with the configuration files the EC2 user data wrote into
 * /etc/nginx/conf.d, in the app container's network namespace (as nginx and the JVM share one
 * instance), so its `proxy_pass http://127.0.0.1:8080` reaches the app unchanged.
 */
export class ApiProxyContainer extends GenericContainer {
  constructor(
    image: string,
    appContainerId: string,
    nginxConfs: readonly string[],
    certificate: IssuedCertificate,
    owner: string,
  ) {
    super(image);
    this.withLabels({ [LABEL_OWNER]: owner })
      .withNetworkMode(`container:${appContainerId}`)
      .withCopyFilesToContainer([
        ...nginxConfs.map((source) => ({ source, target: `/etc/nginx/conf.d/${basename(source)}` })),
        { source: certificate.chainFile, target: "/etc/nginx/tls/fullchain.pem" },
        { source: certificate.keyFile, target: "/etc/nginx/tls/privkey.pem", mode: 0o600 },
      ]);
  }
}
