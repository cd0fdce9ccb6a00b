/** `@chat/server` as a library: start a chat server in-process (tests, embedding). */
export { startChatServer, MAX_FRAME_BYTES, type ChatServer, type ChatServerOptions } from "./chat-server.js";
export { TRPC_PATH } from "./upgrade-gate.js";
export { loadConfig, ConfigError, type Config } from "./config.js";
export { createLogger, type Logger, type LogLevel } from "./logger.js";
