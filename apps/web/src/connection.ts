/**
 * The app's one connection to the server. Only the store uses it; components see its status
 * and never the WebSocket itself.
 */
import { type ChatClient, type ChatClientOptions, type ConnectionStatus, createChatClient } from "@chat/client";
import { type Accessor, createSignal } from "solid-js";
import { rememberedIdentity } from "./lib/identity";
import { browserStorage } from "./lib/storage";

/** The server as the store sees it: typed procedures plus a reactive connection status. */
export interface Connection {
  /** The typed tRPC client (`joinRoom`, `sendMessage`, `onMessage`, …). */
  readonly trpc: ChatClient["trpc"];
  /** "connecting", "online", "reconnecting" or "closed"; reactive. */
  readonly status: Accessor<ConnectionStatus>;
  /** Ends every subscription and closes the socket. */
  close(): Promise<void>;
}

/**
 * The tRPC endpoint on the page's own origin: the server itself in production, Vite's proxy in
 * development; `wss:` under HTTPS because browsers block mixed content.
 */
export function endpointUrl(page: Pick<Location, "protocol" | "host"> = location): string {
  return `${page.protocol === "https:" ? "wss" : "ws"}://${page.host}/trpc`;
}

/**
 * What a page never sets but Node needs: a WebSocket class, quicker retries in tests, and the
 * person's secret (`identity`; @default the one remembered in localStorage, see lib/identity.ts).
 */
export type ConnectionOptions = Pick<ChatClientOptions, "WebSocket" | "retryDelayMs" | "identity">;

/** Opens the connection; call once per page. */
export function openConnection(url: string = endpointUrl(), options: ConnectionOptions = {}): Connection {
  const [status, setStatus] = createSignal<ConnectionStatus>("connecting");
  const identity = options.identity ?? rememberedIdentity(browserStorage());
  const client = createChatClient({ ...options, url, identity, onStatusChange: (next) => setStatus(next) });
  return { trpc: client.trpc, status, close: () => client.close() };
}
