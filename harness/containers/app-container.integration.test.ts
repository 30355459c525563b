import { GenericContainer, Wait } from "testcontainers";
import { describe, expect, inject, it } from "vitest";
import { LABEL_OWNER } from "../support/cleanup.ts";
import { environmentFileContent, SUPERVISOR } from "./app-container.ts";

describe("the app container's supervisor (systemd's part of the instance)", () => {
  it("reads the EnvironmentFile literally, as systemd does: no shell expansion of $, quotes or backticks", async () => {
    const tricky = "p$HOME`id`'\"a=b c;#x";
    const container = await new GenericContainer(inject("images").jre as string)
      .withLabels({ [LABEL_OWNER]: inject("runOwner") })
      .withCopyContentToContainer([
        {
          content: `# comment\n\n${environmentFileContent({ TRICKY: tricky, OTHER: "2" })}`,
          target: "/etc/threadcast/threadcast.env",
          mode: 0o600,
        },
      ])
      .withEntrypoint(["sh", "-c", SUPERVISOR, "supervisor", "no", "0", "/etc/threadcast/threadcast.env"])
      .withCommand(["sh", "-c", 'printf "%s|%s\\n" "$TRICKY" "$OTHER"'])
      .withWaitStrategy(Wait.forOneShotStartup())
      .start();
    const logs = await new Promise<string>((resolve, reject) => {
      let text = "";
      void container.logs().then((stream) =>
        stream
          .on("data", (chunk: Buffer | string) => (text += String(chunk)))
          .on("end", () => resolve(text))
          .on("error", reject),
      );
    });
    await container.stop();
    expect(logs).toContain(`${tricky}|2`);
    // With Restart=no the supervisor ends with the process, after saying so.
    expect(logs).toContain("threadcast.service: main process exited, status=0");
  });

  it("refuses to write a value an EnvironmentFile cannot hold", () => {
    expect(() => environmentFileContent({ KEY: "two\nlines" })).toThrow(/cannot write KEY/);
    expect(() => environmentFileContent({ "bad-name": "x" })).toThrow(/cannot write bad-name/);
  });
});
