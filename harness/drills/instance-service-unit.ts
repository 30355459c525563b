import { INSTANCE_FILE_PATHS } from "../../infra/lib/constructs/api-user-data.ts";
import { readServiceUnit, type ServiceUnit } from "../twin/systemd-unit.ts";

/** The systemd unit the instance's user data installs (and the twin's supervisor follows). */
export function instanceServiceUnit(): ServiceUnit {
  return readServiceUnit(INSTANCE_FILE_PATHS.systemdUnit);
}
