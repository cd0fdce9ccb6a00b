/**
 * The server's settings, read from the environment once at start. Nothing else reads
 * `process.env`.
 */
import { z } from "zod";

const integer = (name: string, min: number, max: number) =>
  z.coerce
    .number({ error: `${name} must be a number` })
    .int(`${name} must be a whole number`)
    .min(min, `${name} must be at least ${min}`)
    .max(max, `${name} must be at most ${max}`);

const positive = (name: string) => z.coerce.number({ error: `${name} must be a number` }).positive(`${name} must be above 0`);

const envSchema = z.object({
  PORT: integer("PORT", 0, 65_535).default(3000),
  HOST: z.string().min(1).default("127.0.0.1"),
  ALLOWED_ORIGINS: z
    .string()
    .default("")
    .transform((value) => value.split(",").map((origin) => origin.trim()).filter(Boolean))
    .pipe(z.array(z.url({ error: "ALLOWED_ORIGINS must be a comma-separated list of origins like https://chat.example.com" })))
    // Browsers send the bare origin: `https://chat.example.com/` must still match it.
    .transform((origins) => origins.map((origin) => new URL(origin).origin)),
  REDIS_URL: z
    .string()
    .optional()
    .refine((value) => !value, "REDIS_URL is not supported yet: multi-node mode over Redis is not built; unset it to run one node in memory"),
  SEND_RATE_BURST: integer("SEND_RATE_BURST", 1, 1_000_000).default(20),
  SEND_RATE_PER_SEC: positive("SEND_RATE_PER_SEC").default(5),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"], { error: "LOG_LEVEL must be one of debug, info, warn, error, silent" }).default("info"),
  LEAVE_GRACE_MS: integer("LEAVE_GRACE_MS", 0, 60_000).default(3000),
  HISTORY_SIZE: integer("HISTORY_SIZE", 50, 100_000).default(1000),
  MAX_ROOMS: integer("MAX_ROOMS", 1, 10_000_000).default(10_000),
  STATIC_DIR: z.string().min(1).optional(),
  // Hardening limits (see README's configuration table and docs/security.md).
  MAX_CONNECTIONS: integer("MAX_CONNECTIONS", 1, 10_000_000).default(10_000),
  MAX_CONNECTIONS_PER_IP: integer("MAX_CONNECTIONS_PER_IP", 1, 10_000_000).default(100),
  MAX_ROOMS_PER_CONNECTION: integer("MAX_ROOMS_PER_CONNECTION", 1, 100_000).default(20),
  MAX_SUBSCRIPTIONS_PER_CONNECTION: integer("MAX_SUBSCRIPTIONS_PER_CONNECTION", 1, 100_000).default(100),
  JOIN_RATE_BURST: integer("JOIN_RATE_BURST", 1, 1_000_000).default(10),
  JOIN_RATE_PER_SEC: positive("JOIN_RATE_PER_SEC").default(1),
  TYPING_RATE_BURST: integer("TYPING_RATE_BURST", 1, 1_000_000).default(10),
  TYPING_RATE_PER_SEC: positive("TYPING_RATE_PER_SEC").default(1),
  RATE_LIMIT_STRIKES: integer("RATE_LIMIT_STRIKES", 1, 1_000_000).default(20),
  HEARTBEAT_INTERVAL_MS: integer("HEARTBEAT_INTERVAL_MS", 100, 3_600_000).default(30_000),
  HEARTBEAT_TIMEOUT_MS: integer("HEARTBEAT_TIMEOUT_MS", 100, 3_600_000).default(10_000),
  SLOW_CONSUMER_MAX_BYTES: integer("SLOW_CONSUMER_MAX_BYTES", 1024, 1_073_741_824).default(1_048_576),
  SLOW_CONSUMER_DRAIN_MS: integer("SLOW_CONSUMER_DRAIN_MS", 100, 3_600_000).default(10_000),
});

/** The server's validated settings. */
export type Config = z.output<typeof envSchema>;

/** A setting that cannot be used; its message is one line fit for a terminal. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** Parses `env` into a `Config`, or throws a `ConfigError` naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  // An empty variable means "unset", as in most shells' `FOO= cmd`.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ""));
  const result = envSchema.safeParse(present);
  if (!result.success) {
    throw new ConfigError(`Invalid configuration: ${result.error.issues.map((issue) => issue.message).join("; ")}`);
  }
  return result.data;
}
