import { createHash } from "node:crypto";
import { connect } from "node:net";
import { HarnessError } from "../errors.ts";

/** A port on this machine that the twin needs and something else already holds. */
export class PortInUseError extends HarnessError {}

/** Where a stand-in is reached from this machine: its own loopback address, with the ports AWS uses. */
export interface EntryPoint {
  readonly address: string;
  readonly ports: readonly number[];
}

export interface EntryPoints {
  /** The CloudFront stand-in: 80 (redirect) and 443. */
  readonly edge: EntryPoint;
  /** The EC2 instance's Elastic IP: 80 and 443 (nginx) and 8080 (the app, open in its security group). */
  readonly api: EntryPoint;
  /** The AWS emulator's gateway (LocalStack's 4566), for the harness, the AWS CLI and the SDKs. */
  readonly emulator: EntryPoint;
}

/**
 * The twin's entry points for an environment name. Each stand-in gets its own address in 127.88.0.0/16
 * (every 127/8 address is loopback on Linux), so URLs keep their real ports (https://threadcast.io, not
 * :8443) and two environments with different names never share a port. The third octet is a hash of
 * the name, so an environment keeps its addresses across restarts.
 */
export function entryPoints(name: string): EntryPoints {
  const octet = 10 + (createHash("sha256").update(name).digest().readUInt16BE(0) % 240);
  return {
    edge: { address: `127.88.${octet}.1`, ports: [80, 443] },
    api: { address: `127.88.${octet}.2`, ports: [80, 443, 8080] },
    emulator: { address: `127.88.${octet}.3`, ports: [4566] },
  };
}

/** Whether something accepts connections at address:port (a loopback probe; nothing is sent). */
function answers(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    const done = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/** Refuses to start when any entry point's port is taken, naming each one and what to do. */
export async function assertEntryPointsFree(name: string, points: EntryPoints): Promise<void> {
  const all: EntryPoint[] = Object.values(points);
  const wanted = all.flatMap((point) => point.ports.map((port) => `${point.address}:${port}`));
  const taken: string[] = [];
  for (const point of all) {
    const results = await Promise.all(point.ports.map((port) => answers(point.address, port)));
    results.forEach((inUse, index) => {
      if (inUse) taken.push(`${point.address}:${point.ports[index]}`);
    });
  }
  if (taken.length > 0) {
    throw new PortInUseError(
      `environment "${name}" needs ${wanted.join(", ")}; already in use: ${taken.join(", ")}`,
      `stop what listens there (a process bound to 0.0.0.0 on that port holds it on every loopback address), or pick another environment name: HARNESS_ENV=<name> npm run env:up`,
    );
  }
}
