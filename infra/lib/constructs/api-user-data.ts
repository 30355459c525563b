import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import { SEED } from "../settings.ts";

const INSTANCE_FILES = new URL("../../../fixtures/instance/", import.meta.url);

/** The one copy of the files the instance runs; the local twin reads the same paths. */
export const INSTANCE_FILE_PATHS = {
  systemdUnit: fileURLToPath(new URL("threadcast.service", INSTANCE_FILES)),
  nginxConf: fileURLToPath(new URL("nginx-api.conf", INSTANCE_FILES)),
} as const;

export interface ApiUserDataProps {
  readonly region: string;
  readonly databaseHost: string;
  readonly databaseSecretArn: string;
  readonly jwtSecretArn: string;
  readonly logGroupName: string;
  /** Phases 2 and later: the message broker the app relays STOMP through. */
  readonly broker?: { readonly stompEndpoint: string; readonly secretArn: string };
}

function heredoc(path: string, file: string, marker: string): string[] {
  const content = readFileSync(file, "utf8");
  if (content.split("\n").includes(marker)) throw new Error(`${file} contains the heredoc marker ${marker}`);
  return [`cat > ${path} <<'${marker}'`, content.trimEnd(), marker];
}

/**
 * The broker's lines of the boot script: its user from Secrets Manager, its STOMP endpoint taken apart
 * (stomp+ssl://<host>:<port>), and what the environment file gets (the relay runs over TLS).
 */
function brokerLines(props: ApiUserDataProps): { fetch: string[]; env: string[]; unset: string } {
  if (!props.broker) return { fetch: [], env: [], unset: "" };
  return {
    fetch: [
      `broker_secret=$(aws secretsmanager get-secret-value --region ${props.region} --secret-id ${props.broker.secretArn} --query SecretString --output text)`,
      'broker_username=$(jq -er .username <<<"$broker_secret")',
      'broker_password=$(jq -er .password <<<"$broker_secret")',
      `broker_endpoint="${props.broker.stompEndpoint}"`,
      'broker_address="${broker_endpoint#stomp+ssl://}"',
    ],
    env: [
      '  echo "BROKER_RELAY_HOST=${broker_address%:*}"',
      '  echo "BROKER_RELAY_PORT=${broker_address##*:}"',
      '  echo "BROKER_RELAY_TLS=true"',
      '  echo "BROKER_USERNAME=$broker_username"',
      '  echo "BROKER_PASSWORD=$broker_password"',
    ],
    unset: " broker_secret broker_username broker_password broker_endpoint broker_address",
  };
}

/**
 * Boot script of an API instance (Amazon Linux 2023): Corretto 17 and nginx, the systemd unit and the
 * nginx TLS proxy from fixtures/instance, the environment file built from Secrets Manager, and the
 * CloudWatch agent shipping the app's log. The jar itself is deployed to /opt/threadcast/app.jar by the
 * release pipeline; the unit starts as soon as it is there.
 */
export function apiUserData(props: ApiUserDataProps): ec2.UserData {
  const broker = brokerLines(props);
  const userData = ec2.UserData.forLinux({ shebang: "#!/bin/bash" });
  userData.addCommands(
    "set -euo pipefail",
    "dnf install -y java-17-amazon-corretto-headless nginx amazon-cloudwatch-agent jq openssl",
    "id threadcast >/dev/null 2>&1 || useradd --system --home-dir /opt/threadcast --shell /sbin/nologin threadcast",
    "install -d -o threadcast -g threadcast /opt/threadcast /var/log/threadcast",
    "install -d -m 0750 -o root -g threadcast /etc/threadcast",
    "install -d -m 0700 /etc/nginx/tls",
    ...heredoc("/etc/systemd/system/threadcast.service", INSTANCE_FILE_PATHS.systemdUnit, "THREADCAST_UNIT"),
    ...heredoc("/etc/nginx/conf.d/threadcast-api.conf", INSTANCE_FILE_PATHS.nginxConf, "THREADCAST_NGINX"),
    // The environment file is readable by the service only; secrets never reach the user-data log.
    `db_secret=$(aws secretsmanager get-secret-value --region ${props.region} --secret-id ${props.databaseSecretArn} --query SecretString --output text)`,
    `jwt_secret=$(aws secretsmanager get-secret-value --region ${props.region} --secret-id ${props.jwtSecretArn} --query SecretString --output text)`,
    // Each value in a variable first: a jq path that finds nothing (-e) or a failed lookup stops the script
    // here under `set -e`, where a substitution inside echo's arguments would write an empty value.
    'db_username=$(jq -er .username <<<"$db_secret")',
    'db_password=$(jq -er .password <<<"$db_secret")',
    ...broker.fetch,
    "umask 0027",
    "{",
    `  echo "DB_HOST=${props.databaseHost}"`,
    '  echo "DB_PORT=5432"',
    `  echo "DB_NAME=${SEED.databaseName}"`,
    '  echo "DB_USERNAME=$db_username"',
    '  echo "DB_PASSWORD=$db_password"',
    '  echo "JWT_SECRET=$jwt_secret"',
    ...broker.env,
    "} > /etc/threadcast/threadcast.env",
    "chgrp threadcast /etc/threadcast/threadcast.env",
    `unset db_secret jwt_secret db_username db_password${broker.unset}`,
    // nginx needs a certificate to start; until the operator installs the real one for api.<domain>
    // (see infra/README.md), a self-signed placeholder keeps HTTPS up and the redirect working.
    "if [ ! -s /etc/nginx/tls/fullchain.pem ]; then",
    `  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=api.${SEED.domain}" -keyout /etc/nginx/tls/privkey.pem -out /etc/nginx/tls/fullchain.pem`,
    "fi",
    "cat > /opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json <<CWAGENT",
    JSON.stringify({
      logs: {
        logs_collected: {
          files: {
            collect_list: [
              {
                file_path: "/var/log/threadcast/app.log",
                log_group_name: props.logGroupName,
                log_stream_name: "{instance_id}",
              },
            ],
          },
        },
      },
    }),
    "CWAGENT",
    "/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json",
    "systemctl daemon-reload",
    "systemctl enable --now nginx",
    "systemctl enable threadcast",
    "if [ -s /opt/threadcast/app.jar ]; then systemctl start threadcast; fi",
  );
  return userData;
}
