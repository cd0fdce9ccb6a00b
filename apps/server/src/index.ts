/** `@chat/server` as a library: start a chat server in-process (tests, embedding). */
export { startChatServer, MAX_FRAME_BYTES, type ChatServer, type ChatServerOptions } from "./chat-server.js";
export { TRPC_PATH } from "./upgrade-gate.js";
export { FLOOD_CLOSE_CODE, FLOOD_CLOSE_REASON } from "./flood-watch.js";
export { loadConfig, ConfigError, type Config } from "./config.js";
export { createLogger, type Logger, type LogLevel } from "./logger.js";
export { SLOW_CONSUMER_CLOSE_CODE, SLOW_CONSUMER_CLOSE_REASON } from "@chat/trpc-ws";
export { SHUTDOWN_CLOSE_CODE } from "./shutdown.js";
