import type { AutoInstall } from "../config.ts";

/** What the harness found out about the host before deciding how to get a Docker engine. */
export interface HostFacts {
  /** The engine answered `docker version` (client and server). */
  readonly engineAnswers: boolean;
  /** Why it did not answer, as the client said it (one line). */
  readonly engineError?: string;
  /** DOCKER_HOST as set by the user. */
  readonly dockerHost: string | undefined;
  /** `docker` client on PATH. */
  readonly hasClient: boolean;
  /** `dockerd` installed on this host. */
  readonly hasDaemonBinary: boolean;
  /** ID and ID_LIKE from /etc/os-release (empty when the file is missing, e.g. macOS). */
  readonly osIds: readonly string[];
  readonly isRoot: boolean;
  readonly autoInstall: AutoInstall;
}

export type EnginePlan =
  | { readonly action: "use" }
  | { readonly action: "start"; readonly install: boolean; readonly why: string }
  | { readonly action: "fail"; readonly message: string; readonly fix: string };

const APT_FAMILY = ["debian", "ubuntu"];

/**
 * Decides, from facts alone, whether to use the engine that answers, install and/or start one, or stop
 * with an explanation. Installing is only ever done on a Debian-family host, as root, unless refused.
 */
export function planEngine(facts: HostFacts): EnginePlan {
  if (facts.engineAnswers) return { action: "use" };

  const reason = facts.engineError ? ` (${facts.engineError})` : "";
  if (facts.dockerHost !== undefined) {
    return {
      action: "fail",
      message: `DOCKER_HOST=${facts.dockerHost} does not answer${reason}`,
      fix: "start the engine DOCKER_HOST points at, or unset DOCKER_HOST to use the local socket",
    };
  }
  if (/permission denied/i.test(facts.engineError ?? "")) {
    return {
      action: "fail",
      message: `the Docker engine is running but refuses this user${reason}`,
      fix: "add yourself to the docker group (sudo usermod -aG docker $USER, then log in again) or run as root",
    };
  }

  const aptHost = facts.osIds.some((id) => APT_FAMILY.includes(id));
  const needsInstall = !facts.hasDaemonBinary || !facts.hasClient;
  if (facts.autoInstall === "never") {
    return {
      action: "fail",
      message: `no Docker engine answers${reason}, and HARNESS_AUTO_INSTALL=never forbids installing or starting one`,
      fix: aptHost
        ? "install and start it yourself (apt-get install -y docker.io && dockerd &), or unset HARNESS_AUTO_INSTALL"
        : "install and start Docker Engine or Docker Desktop, or unset HARNESS_AUTO_INSTALL",
    };
  }
  if (!facts.isRoot) {
    return {
      action: "fail",
      message: `no Docker engine answers${reason}, and the harness only installs or starts one as root`,
      fix: aptHost
        ? "start Docker (sudo dockerd &, or sudo service docker start), or run this command as root"
        : "install and start Docker Engine or Docker Desktop, or set DOCKER_HOST to an engine that answers",
    };
  }
  if (needsInstall && !aptHost) {
    return {
      action: "fail",
      message: `no Docker engine answers${reason}, and this host is not Debian or Ubuntu, where the harness could install one`,
      fix: "install and start Docker Engine (or Docker Desktop), or set DOCKER_HOST to an engine that answers",
    };
  }
  return needsInstall
    ? { action: "start", install: true, why: "no Docker engine is installed" }
    : { action: "start", install: false, why: `dockerd is installed but not running${reason}` };
}
