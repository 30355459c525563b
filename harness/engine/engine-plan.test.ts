import { describe, expect, it } from "vitest";
import { planEngine, type HostFacts } from "./engine-plan.ts";

const debianRootNoEngine: HostFacts = {
  engineAnswers: false,
  engineError:
    "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?",
  dockerHost: undefined,
  hasClient: true,
  hasDaemonBinary: false,
  osIds: ["debian"],
  isRoot: true,
  autoInstall: "auto",
};

describe("planEngine", () => {
  it("uses an engine that answers, whatever else is true", () => {
    expect(planEngine({ ...debianRootNoEngine, engineAnswers: true, isRoot: false, osIds: [] })).toEqual({
      action: "use",
    });
  });

  it("installs docker.io and starts dockerd on Debian as root when no daemon is installed", () => {
    expect(planEngine(debianRootNoEngine)).toMatchObject({ action: "start", install: true });
  });

  it("installs on Ubuntu and on derivatives that declare ID_LIKE=ubuntu", () => {
    expect(planEngine({ ...debianRootNoEngine, osIds: ["linuxmint", "ubuntu", "debian"] })).toMatchObject({
      action: "start",
      install: true,
    });
  });

  it("installs when the client is missing even if dockerd is there", () => {
    expect(planEngine({ ...debianRootNoEngine, hasClient: false, hasDaemonBinary: true })).toMatchObject({
      action: "start",
      install: true,
    });
  });

  it("only starts dockerd when it is installed but not running", () => {
    expect(planEngine({ ...debianRootNoEngine, hasDaemonBinary: true })).toMatchObject({
      action: "start",
      install: false,
    });
  });

  it("refuses to install or start anything when HARNESS_AUTO_INSTALL=never", () => {
    const plan = planEngine({ ...debianRootNoEngine, autoInstall: "never" });
    expect(plan).toMatchObject({
      action: "fail",
      message: expect.stringContaining("HARNESS_AUTO_INSTALL=never"),
    });
    expect(planEngine({ ...debianRootNoEngine, hasDaemonBinary: true, autoInstall: "never" }).action).toBe(
      "fail",
    );
  });

  it("never touches the host when not root, and says how to start Docker", () => {
    const plan = planEngine({ ...debianRootNoEngine, isRoot: false });
    expect(plan).toMatchObject({ action: "fail", fix: expect.stringContaining("run this command as root") });
  });

  it("does not install on a host that is not Debian-family and names the fix", () => {
    const plan = planEngine({ ...debianRootNoEngine, osIds: ["fedora"] });
    expect(plan).toMatchObject({ action: "fail", fix: expect.stringContaining("Docker Engine") });
    expect(planEngine({ ...debianRootNoEngine, osIds: [] }).action).toBe("fail");
  });

  it("respects a DOCKER_HOST that does not answer instead of installing a local engine", () => {
    const plan = planEngine({ ...debianRootNoEngine, dockerHost: "tcp://127.0.0.1:2375" });
    expect(plan).toMatchObject({
      action: "fail",
      message: expect.stringContaining("DOCKER_HOST=tcp://127.0.0.1:2375"),
    });
  });

  it("explains a socket that refuses this user rather than installing a second engine", () => {
    const plan = planEngine({
      ...debianRootNoEngine,
      isRoot: false,
      engineError: "permission denied while trying to connect to the Docker daemon socket",
    });
    expect(plan).toMatchObject({ action: "fail", fix: expect.stringContaining("docker group") });
  });
});
