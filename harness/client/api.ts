import { randomUUID } from "node:crypto";
import type { Dispatcher } from "undici";
import { send, type Answer } from "./send.ts";
import type { Target } from "./target.ts";

/** The body every API answer has: `data` on success, `error` otherwise. */
export interface Envelope<T = Record<string, unknown>> {
  success: boolean;
  data: T;
  error?: { code: string; message: string };
  timestamp: string;
}

/** A registered (or logged-in) user: the credentials and the tokens the API gave for them. */
export interface Session {
  readonly email: string;
  readonly password: string;
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly user: { id: string; email: string; name: string };
}

/** The ThreadCast API of a target, as the web app calls it (JSON, Bearer tokens, the site's Origin). */
export class Api {
  constructor(
    private readonly target: Target,
    private readonly dispatcher: Dispatcher,
  ) {}

  /** One call to `path` under the API's base URL, with the Bearer token when one is given. */
  call<T = Record<string, unknown>>(
    method: string,
    path: string,
    options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Answer<Envelope<T>>> {
    return send<Envelope<T>>(this.dispatcher, `${this.target.urls.api}${path}`, {
      method,
      body: options.body,
      headers: {
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...options.headers,
      },
    });
  }

  /** A new user with a unique email: each scenario gets its own, so tests never share state. */
  async register(name = "Scenario User"): Promise<Session> {
    const email = `scenario-${randomUUID()}@threadcast.test`;
    const password = `pw-${randomUUID()}`;
    const answer = await this.call<Omit<Session, "email" | "password">>("POST", "/auth/register", {
      body: { email, password, name },
    });
    if (answer.status !== 201) throw new Error(`register answered ${answer.status}: ${answer.text}`);
    return { email, password, ...answer.json.data };
  }

  /** The caller's first workspace ("My Workspace", made at registration). */
  async firstWorkspace(session: Session): Promise<{ id: string; name: string }> {
    const answer = await this.call<{ id: string; name: string }[]>("GET", "/workspaces", {
      token: session.accessToken,
    });
    const first = answer.json.data[0];
    if (!first) throw new Error(`the new user has no workspace: ${answer.text}`);
    return first;
  }

  /** Every mission id of a workspace, page by page (the contract caps a page at 100). */
  async missionIds(session: Session, workspaceId: string): Promise<string[]> {
    const ids: string[] = [];
    for (let page = 0; ; page += 1) {
      const answer = await this.call<{ content: { id: string }[]; totalPages: number }>(
        "GET",
        `/missions?workspaceId=${workspaceId}&page=${page}&size=100`,
        { token: session.accessToken },
      );
      if (answer.status !== 200) throw new Error(`mission list answered ${answer.status}: ${answer.text}`);
      ids.push(...answer.json.data.content.map((mission) => mission.id));
      if (page + 1 >= answer.json.data.totalPages) return ids;
    }
  }

  /** A new HIGH-priority mission in the workspace; fails unless the API answers 201. */
  async createMission(
    session: Session,
    workspaceId: string,
    title = `Mission ${randomUUID()}`,
    /** Extra request headers (the load balancer's stickiness cookie, to make it through one instance). */
    headers?: Record<string, string>,
  ): Promise<{ id: string; title: string; status: string; progress: number; workspaceId: string }> {
    const answer = await this.call<{
      id: string;
      title: string;
      status: string;
      progress: number;
      workspaceId: string;
    }>("POST", "/missions", {
      token: session.accessToken,
      body: { workspaceId, title, description: "made by a scenario", priority: "HIGH" },
      ...(headers ? { headers } : {}),
    });
    if (answer.status !== 201) throw new Error(`mission create answered ${answer.status}: ${answer.text}`);
    return answer.json.data;
  }
}
