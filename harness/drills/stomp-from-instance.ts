import { TWIN_HOSTS } from "../cdk/twin-hosts.ts";
import { BROKER_STOMP_PORT } from "../cdk/stand-in-entries/broker-stand-in.ts";
import { readKept } from "../twin/kept-state.ts";
import type { Environment } from "../twin/environment-state.ts";
import { addressOn } from "./address-on.ts";
import { nodeInNamespaceOf } from "./node-in-namespace.ts";

// One STOMP session over TLS, verified against the environment's CA by the broker's name: CONNECT, the
// frames once CONNECTED, then every frame received until one starts with the awaited command.
const SESSION = `
const tls = require("tls");
const fs = require("fs");
const input = JSON.parse(fs.readFileSync(0, "utf8"));
const socket = tls.connect({ host: input.address, port: input.port, servername: input.servername, ca: fs.readFileSync("/ca.pem") });
let buffered = "";
const received = [];
const finish = () => { socket.end(); console.log(JSON.stringify(received)); };
socket.on("secureConnect", () => socket.write("CONNECT\\naccept-version:1.2\\nhost:/\\nlogin:" + input.login + "\\npasscode:" + input.passcode + "\\n\\n\\0"));
socket.on("data", (chunk) => {
  buffered += String(chunk);
  for (let end = buffered.indexOf("\\0"); end >= 0; end = buffered.indexOf("\\0")) {
    received.push(buffered.slice(0, end).replace(/^\\n+/, ""));
    buffered = buffered.slice(end + 1);
    if (received.length === 1 && received[0].startsWith("CONNECTED")) socket.write(input.frames.join(""));
  }
  if (!received[0].startsWith("CONNECTED") || received.some((frame) => frame.startsWith(input.until))) finish();
});
socket.on("error", (error) => { console.error(error.message); process.exit(2); });
socket.setTimeout(20000, () => { console.error("no " + input.until + " frame within 20 s"); process.exit(3); });
`;

/**
 * One STOMP session with the environment's broker as its instances hold one: from inside an instance's
 * network namespace (the broker's group admits theirs only), over TLS verified by the broker's name,
 * as the broker's user from the kept secret (handed over on stdin, never a command line). Resolves with
 * the frames received, from CONNECTED to the first whose command is `until`.
 */
export async function stompFromInstance(
  environment: Environment,
  instance: string,
  frames: readonly string[],
  until: "RECEIPT" | "MESSAGE",
): Promise<string[]> {
  const secret = readKept(environment.dir)?.secrets.broker;
  if (!secret) throw new Error(`environment "${environment.name}" keeps no broker user`);
  const user = JSON.parse(secret) as { username: string; password: string };
  const address = await addressOn(environment.containers.broker ?? "", environment.networks.private);
  const input = {
    address,
    port: BROKER_STOMP_PORT,
    servername: TWIN_HOSTS.broker,
    login: user.username,
    passcode: user.password,
    frames,
    until,
  };
  const container = environment.containers[instance] ?? "";
  const output = await nodeInNamespaceOf(environment, container, SESSION, input, user.password).catch(
    (error: Error) => {
      throw new Error(`the STOMP session from ${instance} failed: ${error.message}`);
    },
  );
  return JSON.parse(output || "[]") as string[];
}
