import { readFileSync } from "node:fs";
import tls from "node:tls";

/**
 * True when a TLS handshake for `servername` completes at host:port, verified against `caFile`. A TCP
 * connect alone proves nothing on a published port (Docker's proxy accepts before the server listens).
 */
export function tlsHandshakes(
  host: string,
  port: number,
  servername: string,
  caFile: string,
  timeoutMs = 2_000,
): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tls.connect({
      host,
      port,
      servername,
      ca: readFileSync(caFile, "utf8"),
      timeout: timeoutMs,
    });
    const done = (ready: boolean) => {
      socket.destroy();
      resolve(ready);
    };
    socket.once("secureConnect", () => done(socket.authorized));
    socket.once("timeout", () => done(false));
    socket.once("error", () => done(false));
  });
}
