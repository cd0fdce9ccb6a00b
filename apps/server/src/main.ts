/**
 * The server's entry point: read the config, start, and stop cleanly on SIGINT, SIGTERM or a crash.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { startChatServer } from "./chat-server.js";
import { ConfigError, loadConfig } from "./config.js";
import { superviseProcess } from "./lifecycle.js";
import { createLogger } from "./logger.js";

/** How long a shutdown may take before the process exits anyway. */
const SHUTDOWN_DEADLINE_MS = 5000;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  const logger = createLogger(config.LOG_LEVEL);
  const staticDir = config.STATIC_DIR ?? join(dirname(createRequire(import.meta.url).resolve("@chat/web/package.json")), "dist");
  const server = await startChatServer({ config, logger, staticDir });
  process.stdout.write(`chat is running at ${server.url}\n`);

  superviseProcess(process, { logger, close: () => server.close(), deadlineMs: SHUTDOWN_DEADLINE_MS });
}

main().catch((error: unknown) => {
  process.stderr.write(`chat failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
