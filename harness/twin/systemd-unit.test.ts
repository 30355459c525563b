import { describe, expect, it } from "vitest";
import { INSTANCE_FILE_PATHS } from "../../infra/lib/constructs/api-user-data.ts";
import { parseServiceUnit, readServiceUnit } from "./systemd-unit.ts";

describe("parseServiceUnit", () => {
  it("reads the instance's unit: the JVM command, environment file and restart policy", () => {
    expect(readServiceUnit(INSTANCE_FILE_PATHS.systemdUnit)).toEqual({
      execStart: [
        "/usr/bin/java",
        "-Xms256m",
        "-Xmx512m",
        "-Dspring.profiles.active=prod",
        "-jar",
        "/opt/threadcast/app.jar",
      ],
      environmentFile: "/etc/threadcast/threadcast.env",
      workingDirectory: "/opt/threadcast",
      user: "threadcast",
      restart: "always",
      restartSec: 10,
      successExitStatus: [143],
    });
  });

  it("takes keys from [Service] only, and understands duration units and optional prefixes", () => {
    const unit = parseServiceUnit(
      [
        "[Unit]",
        "Description=x",
        "Restart=never-here",
        "[Service]",
        "ExecStart=-/bin/app --flag",
        "EnvironmentFile=-/etc/app.env",
        "RestartSec=500ms",
      ].join("\n"),
    );
    expect(unit).toMatchObject({
      execStart: ["/bin/app", "--flag"],
      environmentFile: "/etc/app.env",
      restart: "no",
      restartSec: 0.5,
    });
  });

  it("refuses a unit without ExecStart", () => {
    expect(() => parseServiceUnit("[Service]\nRestart=always\n")).toThrow(/no ExecStart/);
  });
});
