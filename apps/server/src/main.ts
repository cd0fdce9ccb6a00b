/**
 * The server's entry point: read the config, start, and stop cleanly on SIGINT or SIGTERM.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { startChatServer } from "./chat-server.js";
import { ConfigError, loadConfig } from "./config.js";
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

  process.on("unhandledRejection", (error) => logger.error("unhandled_rejection", { error }));
  const stop = (signal: NodeJS.Signals): void => {
    logger.info("signal", { signal });
    setTimeout(() => {
      logger.error("shutdown_timeout", { ms: SHUTDOWN_DEADLINE_MS });
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error("shutdown_failed", { error });
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`chat failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
