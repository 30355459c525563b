import { Api, type Session } from "../client/api.ts";
import { targetAgent, twinTarget } from "../client/target.ts";
import type { Environment } from "../twin/environment-state.ts";

/** The API of a twin through its names, for as long as `use` runs (its connections closed after). */
export async function withApi<T>(environment: Environment, use: (api: Api) => Promise<T>): Promise<T> {
  const target = twinTarget(environment);
  const agent = targetAgent(target);
  try {
    return await use(new Api(target, agent));
  } finally {
    await agent.close();
  }
}

/** A user made before a fault, with a row of their own: what must still be there after it. */
export interface DrillUser {
  readonly session: Session;
  readonly workspaceId: string;
  readonly missionId: string;
}

export const makeDrillUser = (environment: Environment, name: string): Promise<DrillUser> =>
  withApi(environment, async (api) => {
    const session = await api.register(name);
    const workspace = await api.firstWorkspace(session);
    const mission = await api.createMission(session, workspace.id);
    return { session, workspaceId: workspace.id, missionId: mission.id };
  });

/**
 * The drill user signs in again by their password (no token from before the fault) and lists their
 * workspace's missions: the login's status, the missions' ids, and the fresh session when it succeeded.
 */
export const signInAgain = (
  environment: Environment,
  user: DrillUser,
): Promise<{ status: number; missionIds: string[]; session?: Session }> =>
  withApi(environment, async (api) => {
    const login = await api.call<{ accessToken: string }>("POST", "/auth/login", {
      body: { email: user.session.email, password: user.session.password },
    });
    if (login.status !== 200) return { status: login.status, missionIds: [] };
    const session = { ...user.session, accessToken: login.json.data.accessToken };
    return { status: login.status, missionIds: await api.missionIds(session, user.workspaceId), session };
  });
