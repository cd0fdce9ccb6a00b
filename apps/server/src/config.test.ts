import { ConfigError, loadConfig } from "./config.js";
import { describe, expect, it } from "vitest";

describe("the server's environment", () => {
  it("defaults to port 3000 on 127.0.0.1, a burst of 20 and 5 sends per second", () => {
    const config = loadConfig({});

    expect(config).toMatchObject({
      PORT: 3000,
      HOST: "127.0.0.1",
      ALLOWED_ORIGINS: [],
      SEND_RATE_BURST: 20,
      SEND_RATE_PER_SEC: 5,
      LOG_LEVEL: "info",
      REDIS_KEY_PREFIX: "chat:",
      PRESENCE_TTL_MS: 15_000,
      PRESENCE_REFRESH_MS: 5000,
    });
    expect(config.REDIS_URL).toBeUndefined();
    expect(config.STORE).toBe("sqlite");
    expect(config.DATA_DIR).toMatch(/\/data$/);
    expect(config.HISTORY_RETENTION_DAYS).toBeUndefined();
  });

  it("chooses the store: SQLite unless told, Redis with REDIS_URL, and refuses a STORE that contradicts REDIS_URL", () => {
    expect(loadConfig({ STORE: "memory" }).STORE).toBe("memory");
    expect(loadConfig({ REDIS_URL: "redis://127.0.0.1:6379" }).STORE).toBe("redis");
    expect(loadConfig({ REDIS_URL: "redis://127.0.0.1:6379", STORE: "redis" }).STORE).toBe("redis");
    expect(loadConfig({ DATA_DIR: "relative/dir" }).DATA_DIR).toBe(`${process.cwd()}/relative/dir`);
    expect(() => loadConfig({ STORE: "redis" })).toThrow("STORE=redis needs REDIS_URL");
    expect(() => loadConfig({ STORE: "memory", REDIS_URL: "redis://127.0.0.1:6379" })).toThrow("REDIS_URL is set but STORE is not redis");
    expect(() => loadConfig({ STORE: "postgres" })).toThrow("STORE must be one of sqlite, memory, redis");
    expect(() => loadConfig({ HISTORY_RETENTION_DAYS: "0" })).toThrow("HISTORY_RETENTION_DAYS must be above 0");
  });

  it("reads every documented variable", () => {
    const config = loadConfig({
      PORT: "8080",
      HOST: "0.0.0.0",
      ALLOWED_ORIGINS: "https://chat.example.com, https://other.example.org",
      SEND_RATE_BURST: "7",
      SEND_RATE_PER_SEC: "2.5",
      LOG_LEVEL: "warn",
      REDIS_URL: "redis://127.0.0.1:6380",
      REDIS_KEY_PREFIX: "staging:chat:",
      PRESENCE_TTL_MS: "30000",
      PRESENCE_REFRESH_MS: "10000",
    });

    expect(config).toMatchObject({
      PORT: 8080,
      HOST: "0.0.0.0",
      ALLOWED_ORIGINS: ["https://chat.example.com", "https://other.example.org"],
      SEND_RATE_BURST: 7,
      SEND_RATE_PER_SEC: 2.5,
      LOG_LEVEL: "warn",
      REDIS_URL: "redis://127.0.0.1:6380",
      REDIS_KEY_PREFIX: "staging:chat:",
      PRESENCE_TTL_MS: 30_000,
      PRESENCE_REFRESH_MS: 10_000,
    });
  });

  it.each(["redis://localhost", "redis://:secret@redis.internal:6379/2", "rediss://user:secret@redis.example.com:6380"])(
    "accepts the Redis URL %s as given",
    (url) => {
      expect(loadConfig({ REDIS_URL: url }).REDIS_URL).toBe(url);
    },
  );

  it("treats an empty variable as unset", () => {
    expect(loadConfig({ PORT: "", SEND_RATE_BURST: "", REDIS_URL: "" })).toMatchObject({ PORT: 3000, SEND_RATE_BURST: 20 });
  });

  it.each([
    ["PORT", "abc"],
    ["PORT", "70000"],
    ["SEND_RATE_BURST", "0"],
    ["SEND_RATE_PER_SEC", "-1"],
    ["LOG_LEVEL", "loud"],
    ["ALLOWED_ORIGINS", "not an origin"],
    ["REDIS_URL", "http://127.0.0.1:6379"],
    ["REDIS_URL", "127.0.0.1:6379"],
    ["REDIS_URL", "redis:"],
    ["REDIS_KEY_PREFIX", "chat prefix"],
    ["REDIS_KEY_PREFIX", "x".repeat(65)],
    ["PRESENCE_TTL_MS", "100"],
    ["PRESENCE_REFRESH_MS", "0"],
    ["AUTH_JWT_SECRET", "x".repeat(31)],
    ["AUTH_JWT_PUBLIC_KEY", "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE"],
    ["AUTH_REQUIRED", "1"],
  ])("refuses %s=%s with a ConfigError that names it", (name, value) => {
    let caught: unknown = null;
    try {
      loadConfig({ [name]: value });
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(ConfigError);
    expect(caught instanceof Error ? caught.message : "").toContain(name);
  });

  it("refuses a presence refresh that is not sooner than the TTL, along with any other bad variable", () => {
    expect(() => loadConfig({ PRESENCE_TTL_MS: "5000", PRESENCE_REFRESH_MS: "5000" })).toThrow(
      /PRESENCE_REFRESH_MS must be less than PRESENCE_TTL_MS/,
    );
    expect(() => loadConfig({ PRESENCE_REFRESH_MS: "20000", PORT: "abc" })).toThrow(/PORT.*PRESENCE_REFRESH_MS/);
  });

  it("reads the sign-in settings, with AUTH_REQUIRED off unless it says true", () => {
    const secret = "s".repeat(32);

    const unset = loadConfig({});
    expect(unset.AUTH_REQUIRED).toBe(false);
    expect(unset.AUTH_JWT_SECRET ?? unset.AUTH_JWT_PUBLIC_KEY).toBeUndefined();
    expect(
      loadConfig({ AUTH_JWT_SECRET: secret, AUTH_JWT_ISSUER: "https://id.example.com", AUTH_JWT_AUDIENCE: "chat", AUTH_REQUIRED: "true" }),
    ).toMatchObject({ AUTH_JWT_SECRET: secret, AUTH_JWT_ISSUER: "https://id.example.com", AUTH_JWT_AUDIENCE: "chat", AUTH_REQUIRED: true });
    expect(loadConfig({ AUTH_REQUIRED: "false" }).AUTH_REQUIRED).toBe(false);
  });

  it("turns a public key's literal \\n sequences into line breaks, as env files write them", () => {
    const multiline = "-----BEGIN PUBLIC KEY-----\nMFkwEw\n-----END PUBLIC KEY-----";
    const oneLine = String.raw`-----BEGIN PUBLIC KEY-----\nMFkwEw\n-----END PUBLIC KEY-----`;

    expect(loadConfig({ AUTH_JWT_PUBLIC_KEY: oneLine }).AUTH_JWT_PUBLIC_KEY).toBe(multiline);
    expect(loadConfig({ AUTH_JWT_PUBLIC_KEY: multiline }).AUTH_JWT_PUBLIC_KEY).toBe(multiline);
  });

  it("refuses sign-in settings that cannot work together", () => {
    const secret = "s".repeat(32);
    const pem = "-----BEGIN PUBLIC KEY-----\nMFkwEw\n-----END PUBLIC KEY-----";

    expect(() => loadConfig({ AUTH_JWT_SECRET: "too short" })).toThrow("AUTH_JWT_SECRET must be at least 32 characters");
    expect(() => loadConfig({ AUTH_JWT_PUBLIC_KEY: "-----BEGIN CERTIFICATE-----" })).toThrow("AUTH_JWT_PUBLIC_KEY must be a PEM public key");
    expect(() => loadConfig({ AUTH_REQUIRED: "yes" })).toThrow(/^Invalid configuration: AUTH_REQUIRED must be true or false$/);
    expect(() => loadConfig({ AUTH_JWT_SECRET: secret, AUTH_JWT_PUBLIC_KEY: pem })).toThrow(
      "AUTH_JWT_SECRET and AUTH_JWT_PUBLIC_KEY are both set; unset one of them",
    );
    expect(() => loadConfig({ AUTH_REQUIRED: "true" })).toThrow("AUTH_REQUIRED=true needs AUTH_JWT_SECRET or AUTH_JWT_PUBLIC_KEY");
    expect(loadConfig({ AUTH_REQUIRED: "true", AUTH_JWT_PUBLIC_KEY: pem }).AUTH_REQUIRED).toBe(true);
  });

  it("names a missing sign-in key along with any other bad variable, but not on top of a secret that is too short", () => {
    expect(() => loadConfig({ AUTH_REQUIRED: "true", PORT: "abc" })).toThrow(/PORT.*AUTH_REQUIRED=true needs/);
    expect(() => loadConfig({ AUTH_REQUIRED: "true", AUTH_JWT_SECRET: "too short" })).toThrow(
      /^Invalid configuration: AUTH_JWT_SECRET must be at least 32 characters \(HS256 needs a 256-bit key\)$/,
    );
  });

  it("names a bad REDIS_URL once, however many of its rules it breaks", () => {
    expect(() => loadConfig({ REDIS_URL: "localhost:6379" })).toThrow(
      /^Invalid configuration: REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL like redis:\/\/127\.0\.0\.1:6379$/,
    );
  });
});
