/**
 * The server's settings, read from the environment once at start. Nothing else reads
 * `process.env`.
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";

/** Where the database lives unless `DATA_DIR` says otherwise: `data/` at the repository's root (git-ignored). */
export const DEFAULT_DATA_DIR = fileURLToPath(new URL("../../../data", import.meta.url));

const integer = (name: string, min: number, max: number) =>
  z.coerce
    .number({ error: `${name} must be a number` })
    .int(`${name} must be a whole number`)
    .min(min, `${name} must be at least ${min}`)
    .max(max, `${name} must be at most ${max}`);

const positive = (name: string) => z.coerce.number({ error: `${name} must be a number` }).positive(`${name} must be above 0`);

/** A comma-separated list of origins, each reduced to what browsers send (`https://chat.example.com/` → `https://chat.example.com`). */
const origins = (name: string) =>
  z
    .string()
    .transform((value) => value.split(",").map((origin) => origin.trim()).filter(Boolean))
    .pipe(z.array(z.url({ error: `${name} must be a comma-separated list of origins like https://chat.example.com` })))
    .transform((list) => list.map((origin) => new URL(origin).origin));

/**
 * Whether a sign-in variable is bad in itself. The rules between them wait for it to be fixed (so
 * AUTH_REQUIRED=yes is named once, as not true or false), but not for any other bad variable.
 */
const hasAuthIssue = (payload: z.core.ParsePayload) => payload.issues.some((issue) => String(issue.path?.[0]).startsWith("AUTH_"));

const envSchema = z.object({
  PORT: integer("PORT", 0, 65_535).default(3000),
  HOST: z.string().min(1).default("127.0.0.1"),
  ALLOWED_ORIGINS: origins("ALLOWED_ORIGINS").default([]),
  // Multi-node mode (docs/scaling.md). The scheme is required, not guessed, because it is what
  // says whether the connection uses TLS (`rediss://`).
  REDIS_URL: z
    .url({ protocol: /^rediss?$/, hostname: /./, error: "REDIS_URL must be a redis:// or rediss:// URL like redis://127.0.0.1:6379" })
    .optional(),
  // Where messages are kept (README, "Configuration"): SQLite in DATA_DIR by default, memory for
  // tests and benchmarks, Redis for several nodes. Unset: Redis when REDIS_URL is set, else SQLite.
  STORE: z.enum(["sqlite", "memory", "redis"], { error: "STORE must be one of sqlite, memory, redis" }).optional(),
  // A relative path is taken from the directory the server starts in.
  DATA_DIR: z
    .string()
    .min(1)
    .default(DEFAULT_DATA_DIR)
    .transform((dir) => resolve(dir)),
  HISTORY_RETENTION_DAYS: positive("HISTORY_RETENTION_DAYS").optional(),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]{1,64}$/, "REDIS_KEY_PREFIX must be 1 to 64 of A-Z a-z 0-9 : _ -")
    .default("chat:"),
  PRESENCE_TTL_MS: integer("PRESENCE_TTL_MS", 500, 3_600_000).default(15_000),
  PRESENCE_REFRESH_MS: integer("PRESENCE_REFRESH_MS", 100, 3_600_000).default(5000),
  // Which public addresses pages may open a WebSocket from (docs/security.md, "Origins").
  PUBLIC_ORIGIN: origins("PUBLIC_ORIGIN").optional(),
  // Proxies whose X-Forwarded-For is believed: the client address is then the first hop they did not add.
  TRUST_PROXY: z
    .string()
    .default("")
    .transform((value) => value.split(",").map((entry) => entry.trim()).filter(Boolean))
    .pipe(z.array(z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()], { error: "TRUST_PROXY must be a comma-separated list of IP addresses or CIDR ranges like 10.0.0.0/8" }))),
  SEND_RATE_BURST: integer("SEND_RATE_BURST", 1, 1_000_000).default(20),
  SEND_RATE_PER_SEC: positive("SEND_RATE_PER_SEC").default(5),
  SUBSCRIBE_RATE_BURST: integer("SUBSCRIBE_RATE_BURST", 1, 1_000_000).default(60),
  SUBSCRIBE_RATE_PER_SEC: positive("SUBSCRIBE_RATE_PER_SEC").default(2),
  // Budgets per client address (sized for an office of 200 people behind one NAT address).
  ADDRESS_CONNECT_RATE_BURST: integer("ADDRESS_CONNECT_RATE_BURST", 1, 10_000_000).default(500),
  ADDRESS_CONNECT_RATE_PER_SEC: positive("ADDRESS_CONNECT_RATE_PER_SEC").default(5),
  ADDRESS_JOIN_RATE_BURST: integer("ADDRESS_JOIN_RATE_BURST", 1, 10_000_000).default(1000),
  ADDRESS_JOIN_RATE_PER_SEC: positive("ADDRESS_JOIN_RATE_PER_SEC").default(20),
  ADDRESS_SEND_RATE_BURST: integer("ADDRESS_SEND_RATE_BURST", 1, 10_000_000).default(200),
  ADDRESS_SEND_RATE_PER_SEC: positive("ADDRESS_SEND_RATE_PER_SEC").default(20),
  ADDRESS_TYPING_RATE_BURST: integer("ADDRESS_TYPING_RATE_BURST", 1, 10_000_000).default(200),
  ADDRESS_TYPING_RATE_PER_SEC: positive("ADDRESS_TYPING_RATE_PER_SEC").default(50),
  ADDRESS_ROOM_RATE_BURST: integer("ADDRESS_ROOM_RATE_BURST", 1, 10_000_000).default(50),
  ADDRESS_ROOM_RATE_PER_SEC: positive("ADDRESS_ROOM_RATE_PER_SEC").default(0.02),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"], { error: "LOG_LEVEL must be one of debug, info, warn, error, silent" }).default("info"),
  LEAVE_GRACE_MS: integer("LEAVE_GRACE_MS", 0, 60_000).default(3000),
  // How long a name stays its holder's while they do not use it (docs/security.md, "Identity").
  NAME_CLAIM_TTL_DAYS: positive("NAME_CLAIM_TTL_DAYS").default(30),
  HISTORY_SIZE: integer("HISTORY_SIZE", 50, 100_000).default(1000),
  HISTORY_MAX_BYTES: integer("HISTORY_MAX_BYTES", 1_048_576, 1_099_511_627_776).default(268_435_456),
  ROOM_TTL_DAYS: integer("ROOM_TTL_DAYS", 1, 36_500).default(30),
  MAX_ROOMS: integer("MAX_ROOMS", 1, 10_000_000).default(10_000),
  STATIC_DIR: z.string().min(1).optional(),
  // Hardening limits (see README's configuration table and docs/security.md).
  MAX_CONNECTIONS: integer("MAX_CONNECTIONS", 1, 10_000_000).default(10_000),
  MAX_CONNECTIONS_PER_IP: integer("MAX_CONNECTIONS_PER_IP", 1, 10_000_000).default(500),
  MAX_HTTP_CONNECTIONS: integer("MAX_HTTP_CONNECTIONS", 1, 10_000_000).default(11_000),
  // Unset: a quarter of the file-descriptor limit (`socketsPerAddressDefault`).
  MAX_HTTP_CONNECTIONS_PER_IP: integer("MAX_HTTP_CONNECTIONS_PER_IP", 1, 10_000_000).optional(),
  HTTP_TIMEOUT_MS: integer("HTTP_TIMEOUT_MS", 1000, 3_600_000).default(10_000),
  MAX_ROOMS_PER_CONNECTION: integer("MAX_ROOMS_PER_CONNECTION", 1, 100_000).default(20),
  MAX_SUBSCRIPTIONS_PER_CONNECTION: integer("MAX_SUBSCRIPTIONS_PER_CONNECTION", 1, 100_000).default(100),
  JOIN_RATE_BURST: integer("JOIN_RATE_BURST", 1, 1_000_000).default(10),
  JOIN_RATE_PER_SEC: positive("JOIN_RATE_PER_SEC").default(1),
  TYPING_RATE_BURST: integer("TYPING_RATE_BURST", 1, 1_000_000).default(10),
  TYPING_RATE_PER_SEC: positive("TYPING_RATE_PER_SEC").default(1),
  RATE_LIMIT_STRIKES: integer("RATE_LIMIT_STRIKES", 1, 1_000_000).default(20),
  HEARTBEAT_INTERVAL_MS: integer("HEARTBEAT_INTERVAL_MS", 100, 3_600_000).default(30_000),
  HEARTBEAT_TIMEOUT_MS: integer("HEARTBEAT_TIMEOUT_MS", 100, 3_600_000).default(10_000),
  SLOW_CONSUMER_MAX_BYTES: integer("SLOW_CONSUMER_MAX_BYTES", 1024, 1_073_741_824).default(4_194_304),
  SLOW_CONSUMER_DRAIN_MS: integer("SLOW_CONSUMER_DRAIN_MS", 100, 3_600_000).default(10_000),
  // Prometheus metrics (GET /metrics): on a port of their own, or on the public one behind a token.
  METRICS_PORT: integer("METRICS_PORT", 0, 65_535).optional(),
  METRICS_HOST: z.string().min(1).default("127.0.0.1"),
  METRICS_TOKEN: z.string().min(16, "METRICS_TOKEN must be at least 16 characters").optional(),
  // Signed-in identity: a client's `connectionParams.token`, a JWT checked by token-verifier.ts.
  // HS256 with a shared secret, which RFC 7518 §3.2 wants at least as long as the hash (256 bits).
  AUTH_JWT_SECRET: z.string().min(32, "AUTH_JWT_SECRET must be at least 32 characters (HS256 needs a 256-bit key)").optional(),
  // RS256 or ES256 with the issuer's public key. Env files hold one line per variable, so a literal
  // `\n` in the value stands for a line break.
  AUTH_JWT_PUBLIC_KEY: z
    .string()
    .includes("-----BEGIN PUBLIC KEY-----", { error: "AUTH_JWT_PUBLIC_KEY must be a PEM public key (-----BEGIN PUBLIC KEY-----), not a certificate or a private key" })
    .transform((pem) => pem.replaceAll("\\n", "\n"))
    .optional(),
  AUTH_JWT_ISSUER: z.string().min(1).optional(),
  AUTH_JWT_AUDIENCE: z.string().min(1).optional(),
  // "true" or "false" only, so its error names every accepted value (z.stringbool alone also takes
  // yes, on, 1 and more).
  AUTH_REQUIRED: z.stringbool({ truthy: ["true"], falsy: ["false"], error: "AUTH_REQUIRED must be true or false" }).default(false),
})
  // A node renews its memberships every refresh; were that not sooner than they expire, other
  // nodes would sweep the members of a node that is alive.
  .refine((env) => env.PRESENCE_REFRESH_MS < env.PRESENCE_TTL_MS, {
    error: "PRESENCE_REFRESH_MS must be less than PRESENCE_TTL_MS, or live members expire between refreshes",
    path: ["PRESENCE_REFRESH_MS"],
    // Checked whenever both numbers are valid, so one run names this along with any other bad variable.
    when: (payload) => !payload.issues.some((issue) => issue.path?.[0] === "PRESENCE_TTL_MS" || issue.path?.[0] === "PRESENCE_REFRESH_MS"),
  })
  .refine((env) => env.STORE !== "redis" || env.REDIS_URL !== undefined, { error: "STORE=redis needs REDIS_URL", path: ["STORE"] })
  .refine((env) => env.STORE === undefined || env.STORE === "redis" || env.REDIS_URL === undefined, {
    error: "REDIS_URL is set but STORE is not redis; unset one of them",
    path: ["STORE"],
  })
  .refine((env) => env.AUTH_JWT_SECRET === undefined || env.AUTH_JWT_PUBLIC_KEY === undefined, {
    error: "AUTH_JWT_SECRET and AUTH_JWT_PUBLIC_KEY are both set; unset one of them",
    path: ["AUTH_JWT_SECRET"],
    when: (payload) => !hasAuthIssue(payload),
  })
  .refine((env) => !env.AUTH_REQUIRED || env.AUTH_JWT_SECRET !== undefined || env.AUTH_JWT_PUBLIC_KEY !== undefined, {
    error: "AUTH_REQUIRED=true needs AUTH_JWT_SECRET or AUTH_JWT_PUBLIC_KEY",
    path: ["AUTH_REQUIRED"],
    when: (payload) => !hasAuthIssue(payload),
  })
  // Settled once here, so nothing else decides which store a server runs on.
  .transform((env) => ({ ...env, STORE: env.STORE ?? (env.REDIS_URL === undefined ? "sqlite" : "redis") }));

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
    // One bad value can break several rules with the same sentence (REDIS_URL's scheme and host).
    const messages = new Set(result.error.issues.map((issue) => issue.message));
    throw new ConfigError(`Invalid configuration: ${[...messages].join("; ")}`);
  }
  return result.data;
}
