import { readFileSync } from "node:fs";
import { Match } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { INSTANCE_FILE_PATHS } from "../lib/constructs/api-user-data.ts";
import { synth, userDataText } from "./synth.ts";

const template = () => synth(1).backendTemplate;
const unit = readFileSync(INSTANCE_FILE_PATHS.systemdUnit, "utf8");
const nginx = readFileSync(INSTANCE_FILE_PATHS.nginxConf, "utf8");

function instance(): { Properties: Record<string, unknown> } {
  const [only] = Object.values(template().findResources("AWS::EC2::Instance"));
  return only as { Properties: Record<string, unknown> };
}

describe("the phase-1 API instance", () => {
  it("is one t3.micro on Amazon Linux 2023 with a 20 GB encrypted gp3 root volume", () => {
    template().resourceCountIs("AWS::EC2::Instance", 1);
    template().hasResourceProperties("AWS::EC2::Instance", {
      InstanceType: "t3.micro",
      BlockDeviceMappings: [
        { DeviceName: "/dev/xvda", Ebs: { VolumeSize: 20, VolumeType: "gp3", Encrypted: true } },
      ],
    });
    const parameters = template().findParameters("*", { Default: Match.stringLikeRegexp("al2023-ami") });
    expect(Object.keys(parameters)).toHaveLength(1);
    expect(instance().Properties.ImageId).toEqual({ Ref: Object.keys(parameters)[0] });
  });

  it("sits in public subnet 2a (10.0.1.0/24)", () => {
    const subnets = template().findResources("AWS::EC2::Subnet", {
      Properties: { CidrBlock: "10.0.1.0/24" },
    });
    expect(instance().Properties.SubnetId).toEqual({ Ref: Object.keys(subnets)[0] });
  });

  it("has an Elastic IP, and api.threadcast.io points at it in the existing zone", () => {
    const [eipId] = Object.keys(template().findResources("AWS::EC2::EIP"));
    const [instanceId] = Object.keys(template().findResources("AWS::EC2::Instance"));
    template().hasResourceProperties("AWS::EC2::EIP", { Domain: "vpc", InstanceId: { Ref: instanceId } });
    template().hasResourceProperties("AWS::Route53::RecordSet", {
      Name: "api.threadcast.io.",
      Type: "A",
      HostedZoneId: "Z0123456789ABCDEFGHIJ",
      ResourceRecords: [{ Ref: eipId }],
    });
    template().resourceCountIs("AWS::Route53::HostedZone", 0);
    synth(1).frontendTemplate.resourceCountIs("AWS::Route53::HostedZone", 0);
  });

  it("installs Corretto 17 and nginx, and writes the repository's unit and nginx files verbatim", () => {
    const text = userDataText(instance().Properties.UserData);
    expect(text).toContain("dnf install -y java-17-amazon-corretto-headless nginx");
    expect(text).toContain(
      `cat > /etc/systemd/system/threadcast.service <<'THREADCAST_UNIT'\n${unit.trimEnd()}\nTHREADCAST_UNIT`,
    );
    expect(text).toContain(
      `cat > /etc/nginx/conf.d/threadcast-api.conf <<'THREADCAST_NGINX'\n${nginx.trimEnd()}\nTHREADCAST_NGINX`,
    );
    expect(text).toMatch(/systemctl enable --now nginx/);
  });

  it("builds the environment file from Secrets Manager without echoing a secret", () => {
    const text = userDataText(instance().Properties.UserData);
    for (const name of ["DB_HOST", "DB_PORT", "DB_NAME", "DB_USERNAME", "DB_PASSWORD", "JWT_SECRET"]) {
      expect(text).toContain(`${name}=`);
    }
    expect(text).toContain("aws secretsmanager get-secret-value");
    expect(text).not.toMatch(/set -x|echo "\$db_secret"|echo "\$jwt_secret"/);
  });
});

describe("the instance files (one copy, shared with the local twin)", () => {
  it("run the jar as the contract says: 256m-512m heap, prod profile, port from the jar", () => {
    expect(unit).toMatch(
      /^ExecStart=\/usr\/bin\/java -Xms256m -Xmx512m -Dspring\.profiles\.active=prod -jar \S+app\.jar$/m,
    );
  });

  it("restart always after 10 s, with the environment from a file", () => {
    expect(unit).toMatch(/^Restart=always$/m);
    expect(unit).toMatch(/^RestartSec=10$/m);
    expect(unit).toMatch(/^EnvironmentFile=\/etc\/threadcast\/threadcast\.env$/m);
  });

  it("nginx redirects 80 to https and proxies 443 to 127.0.0.1:8080 with WebSocket upgrade, TLS 1.2+ only", () => {
    expect(nginx).toMatch(/listen 80;[\s\S]*return 301 https:\/\/\$host\$request_uri;/);
    expect(nginx).toMatch(/listen 443 ssl/);
    expect(nginx).toMatch(/^\s*ssl_protocols\s+TLSv1\.2 TLSv1\.3;$/m);
    expect(nginx).toMatch(/proxy_pass http:\/\/127\.0\.0\.1:8080;/);
    expect(nginx).toMatch(/proxy_set_header Upgrade\s+\$http_upgrade;/);
    expect(nginx).toMatch(/proxy_set_header Connection\s+\$connection_upgrade;/);
    expect(nginx).toMatch(/proxy_set_header X-Forwarded-Proto \$scheme;/);
  });
});
