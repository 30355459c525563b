import { Client, type IMessage, type IStompSocket } from "@stomp/stompjs";
import WebSocket from "ws";
import { connectOptions, type Target } from "./target.ts";

/** One event the server published on a topic, with the time it arrived here. */
export interface StompEvent {
  readonly topic: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly timestamp: string;
  readonly payload: Record<string, unknown>;
  readonly receivedAt: number;
}

/**
 * A STOMP client over `ws` to the target's wss:// endpoint, with the site's Origin and a Bearer token on
 * CONNECT, as the web app connects. Subscriptions are made again after every (re)connect; every event
 * received is kept so a scenario can wait for the one it expects.
 */
export class StompSession {
  readonly events: StompEvent[] = [];
  /** WebSocket handshakes that succeeded (the server was reached), whatever STOMP then said. */
  opens = 0;
  connects = 0;
  closes = 0;
  errors: string[] = [];
  private readonly topics = new Set<string>();
  private readonly client: Client;
  private waiters: (() => void)[] = [];
  private readonly reconnects: boolean;

  constructor(
    target: Target,
    token: string,
    options: {
      origin?: string;
      reconnectDelayMs?: number;
      heartbeatMs?: number;
      /** Extra headers on the WebSocket handshake (a load balancer's stickiness cookie). */
      headers?: Record<string, string>;
    } = {},
  ) {
    this.reconnects = (options.reconnectDelayMs ?? 0) > 0;
    this.client = new Client({
      webSocketFactory: () => {
        const socket = new WebSocket(target.urls.ws, ["v12.stomp", "v11.stomp"], {
          ...connectOptions(target),
          origin: options.origin ?? target.urls.site.replace(/\/$/, ""),
          ...(options.headers ? { headers: options.headers } : {}),
          handshakeTimeout: 10_000,
        });
        socket.on("open", () => (this.opens += 1));
        return socket as unknown as IStompSocket;
      },
      connectHeaders: { Authorization: `Bearer ${token}` },
      heartbeatIncoming: options.heartbeatMs ?? 4_000,
      heartbeatOutgoing: options.heartbeatMs ?? 4_000,
      reconnectDelay: options.reconnectDelayMs ?? 0,
      connectionTimeout: 10_000,
      onConnect: () => {
        this.connects += 1;
        for (const topic of this.topics) this.listen(topic);
        this.notify();
      },
      onStompError: (frame) => {
        this.errors.push(frame.headers.message ?? frame.body);
        this.notify();
      },
      onWebSocketClose: () => {
        this.closes += 1;
        this.notify();
      },
    });
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  private listen(topic: string): void {
    this.client.subscribe(topic, (message: IMessage) => {
      const body = JSON.parse(message.body) as Omit<StompEvent, "topic" | "receivedAt">;
      this.events.push({ ...body, topic, receivedAt: Date.now() });
      this.notify();
    });
  }

  /** Resolves when `condition` holds, checked after every frame or state change; fails after `timeoutMs`. */
  until<T>(what: string, condition: () => T | undefined, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)),
        timeoutMs,
      );
      const check = () => {
        let value: T | undefined;
        try {
          value = condition();
        } catch (error) {
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        if (value !== undefined) {
          clearTimeout(timer);
          resolve(value);
        } else this.waiters.push(check);
      };
      check();
    });
  }

  /** Connects; rejects with the server's ERROR frame or the close when the connection is refused. */
  async connect(timeoutMs = 15_000): Promise<void> {
    const before = { connects: this.connects, closes: this.closes, errors: this.errors.length };
    this.client.activate();
    await this.until(
      "the STOMP CONNECTED frame",
      () => {
        if (this.connects > before.connects) return true;
        if (this.errors.length > before.errors) throw new Error(`STOMP ERROR: ${this.errors.at(-1)}`);
        if (this.closes > before.closes && !this.reconnects)
          throw new Error("the connection was closed before CONNECTED");
        return undefined;
      },
      timeoutMs,
    ).catch(async (error: unknown) => {
      await this.client.deactivate();
      throw error;
    });
  }

  /** Listens to `topic` now (when connected) and again after every reconnect. */
  subscribe(topic: string): void {
    this.topics.add(topic);
    if (this.client.connected) this.listen(topic);
  }

  /** The first event on `topic` matching `match`, waiting up to `timeoutMs`. */
  event(topic: string, match: (event: StompEvent) => boolean, timeoutMs: number): Promise<StompEvent> {
    return this.until(
      `an event on ${topic}`,
      () => this.events.find((event) => event.topic === topic && match(event)),
      timeoutMs,
    );
  }

  get connected(): boolean {
    return this.client.connected;
  }

  /** Disconnects and stops reconnecting. */
  close(): Promise<void> {
    return this.client.deactivate();
  }
}
