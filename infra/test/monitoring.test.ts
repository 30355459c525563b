import { describe, expect, it } from "vitest";
import { synth } from "./synth.ts";

function alarmMetrics(template: ReturnType<typeof synth>["backendTemplate"]): string[] {
  return Object.values(template.findResources("AWS::CloudWatch::Alarm")).map((alarm) => {
    const { Namespace, MetricName } = (alarm as { Properties: { Namespace: string; MetricName: string } })
      .Properties;
    return `${Namespace}/${MetricName}`;
  });
}

describe("monitoring", () => {
  it("keeps the app's logs in a CloudWatch log group the instance may write to", () => {
    synth(1).backendTemplate.hasResourceProperties("AWS::Logs::LogGroup", { RetentionInDays: 30 });
  });

  it("alarms on the instance's status checks and CPU, and the database's free storage and CPU", () => {
    expect(alarmMetrics(synth(1).backendTemplate).sort()).toEqual([
      "AWS/EC2/CPUUtilization",
      "AWS/EC2/StatusCheckFailed",
      "AWS/RDS/CPUUtilization",
      "AWS/RDS/FreeStorageSpace",
    ]);
  });

  it("alarms on CloudFront's 5xx error rate, in us-east-1 where CloudFront publishes it", () => {
    expect(alarmMetrics(synth(1).frontendTemplate)).toEqual(["AWS/CloudFront/5xxErrorRate"]);
  });

  it("sends every alarm to a notification topic", () => {
    for (const template of [synth(1).backendTemplate, synth(1).frontendTemplate]) {
      for (const alarm of Object.values(template.findResources("AWS::CloudWatch::Alarm"))) {
        expect((alarm as { Properties: { AlarmActions: unknown[] } }).Properties.AlarmActions).toHaveLength(
          1,
        );
      }
    }
  });
});
