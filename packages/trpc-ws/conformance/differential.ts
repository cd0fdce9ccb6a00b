/**
 * Differential harness: serves one router with one set of options twice, on a fresh
 * `WebSocketServer` each, once with tRPC's `applyWSSHandler` and once with ours, drives both with
 * the same script over a raw `ws` client, and records what each answered. The two transcripts must
 * be equal, so the suite needs no knowledge of what the right answer is, only of what to ask.
 */
import type { AddressInfo } from "node:net";
import type { AnyTRPCRouter } from "@trpc/server";
import { applyWSSHandler as trpcApplyWSSHandler, type WSSHandlerOptions } from "@trpc/server/adapters/ws";
import WebSocket, { WebSocketServer } from "ws";
import { applyWSSHandler as oursApplyWSSHandler } from "../src/index.js";

/** How long any wait may take before the scenario fails: a liveness bound, never a measure. */
export const LIVENESS_MS = 10_000;

/** What `onError` was told of one failure: the parts both adapters must agree on. */
export interface SeenError {
  code: string;
  type: string;
  path: string | undefined;
}

/** A frame the client received: JSON parsed when it is JSON, else its text; binary frames are wrapped. */
export type Received = unknown;

/** Everything one adapter did in a scenario, as the client and `onError` saw it. */
export interface Transcript {
  frames: Received[];
  /** The close code when the server closed the connection, null when it was left open. */
  closeCode: number | null;
  errors: SeenError[];
}

/** A frame to send: a string as a text frame, bytes as a binary frame, anything else JSON-encoded as text. */
export type Outgoing = string | Uint8Array | object;

/** What a script drives: the raw client of one connection, and the adapter's handle. */
export interface Driver {
  send(frame: Outgoing): void;
  /** Resolves once `count` frames in all have been received. */
  frames(count: number): Promise<void>;
  /** Resolves once the server has closed the connection. */
  closed(): Promise<void>;
  broadcastReconnectNotification(): void;
}

/** tRPC's options for its adapter, less the server, which the harness makes for each side. */
export type ScenarioOptions = Omit<WSSHandlerOptions<AnyTRPCRouter>, "wss">;

/** One scenario: what to serve, where to connect, and what the client does. */
export interface Scenario {
  router: AnyTRPCRouter;
  options?: Omit<ScenarioOptions, "router">;
  /** Appended to the URL, e.g. `?connectionParams=1`. */
  search?: string;
  script(driver: Driver): Promise<void>;
}

/** Both adapters' transcripts of one scenario. */
export interface Differential {
  trpc: Transcript;
  ours: Transcript;
}

type Adapter = "trpc" | "ours";

/** Parses a text frame as JSON if it is JSON, so that transcripts compare values, not spellings. */
function decode(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Runs one scenario against one adapter and returns what was seen. */
async function runOn(adapter: Adapter, scenario: Scenario): Promise<Transcript> {
  const errors: SeenError[] = [];
  const userOnError = scenario.options?.onError;
  const options: ScenarioOptions = {
    ...scenario.options,
    router: scenario.router,
    // Record before calling the scenario's own, which may throw on purpose.
    onError: (info) => {
      errors.push({ code: info.error.code, type: info.type, path: info.path });
      return userOnError?.(info);
    },
  };

  const wss = new WebSocketServer({ port: 0 });
  await new Promise<void>((resolve) => wss.once("listening", resolve));
  const handler = adapter === "trpc" ? trpcApplyWSSHandler({ ...options, wss }) : oursApplyWSSHandler({ ...options, wss });
  const { port } = wss.address() as AddressInfo;

  const frames: Received[] = [];
  let closeCode: number | null = null;
  let clientClosing = false;
  let changed = (): void => undefined;
  const client = new WebSocket(`ws://127.0.0.1:${port}${scenario.search ?? ""}`);
  client.on("message", (data, isBinary) => {
    const bytes = Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? Buffer.from(data) : data;
    frames.push(isBinary ? { binary: decode(bytes.toString("utf8")) } : decode(bytes.toString("utf8")));
    changed();
  });
  const closed = new Promise<void>((resolve) =>
    client.once("close", (code) => {
      // Only a close the server chose belongs in the transcript.
      if (!clientClosing) closeCode = code;
      resolve();
      changed();
    }),
  );
  // A client error (e.g. the server terminating) shows as a close code; it must not crash the run.
  client.on("error", () => undefined);
  await new Promise<void>((resolve, reject) => {
    client.once("open", () => resolve());
    client.once("error", reject);
  });

  /** Waits for a condition on what has arrived, failing with the transcript so far when it never holds. */
  const until = (what: string, done: () => boolean): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        changed = () => undefined;
        reject(new Error(`${adapter}: no ${what} within ${LIVENESS_MS} ms; got ${JSON.stringify({ frames, closeCode })}`));
      }, LIVENESS_MS);
      changed = () => {
        if (!done()) return;
        clearTimeout(timer);
        changed = () => undefined;
        resolve();
      };
      changed();
    });

  const driver: Driver = {
    send: (frame) => {
      if (typeof frame === "string") client.send(frame);
      else if (frame instanceof Uint8Array) client.send(frame, { binary: true });
      else client.send(JSON.stringify(frame));
    },
    frames: (count) => until(`${count} frames`, () => frames.length >= count),
    closed: () => until("close", () => client.readyState === WebSocket.CLOSED),
    broadcastReconnectNotification: () => handler.broadcastReconnectNotification(),
  };

  try {
    await scenario.script(driver);
    // A fence: frames come in order, so once PONG is back nothing sent before it can still be on
    // its way, and an extra frame from either adapter lands in its transcript.
    if (client.readyState === WebSocket.OPEN && !options.dangerouslyDisablePong) {
      const count = frames.length;
      driver.send("PING");
      // A server that closes meanwhile ends the fence too: its close is then in the transcript.
      await until("PONG fence", () => frames.slice(count).includes("PONG") || client.readyState === WebSocket.CLOSED);
      // The fence's own PONG is the harness's, not the scenario's.
      const pong = frames.slice(count).indexOf("PONG");
      if (pong >= 0) frames.splice(count + pong, 1);
    }
  } finally {
    if (client.readyState !== WebSocket.CLOSED) {
      clientClosing = true;
      client.terminate();
    }
    await closed;
    for (const socket of wss.clients) socket.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  }
  return { frames, closeCode, errors };
}

/**
 * Runs a scenario on tRPC's adapter, then on ours (one after the other, so neither's timers or
 * load disturb the other), and returns both transcripts for the caller to compare.
 */
export async function differential(scenario: Scenario): Promise<Differential> {
  const trpc = await runOn("trpc", scenario);
  const ours = await runOn("ours", scenario);
  return { trpc, ours };
}

/** A request frame, as `wsLink` sends it. */
export function request(id: number | string | null, method: "query" | "mutation" | "subscription", path: string, input?: unknown, jsonrpc?: "2.0"): object {
  return { id, ...(jsonrpc ? { jsonrpc } : {}), method, params: { path, input } };
}
