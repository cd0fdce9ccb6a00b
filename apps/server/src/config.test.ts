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
    });
    expect(config.REDIS_URL).toBeUndefined();
  });

  it("reads every documented variable", () => {
    const config = loadConfig({
      PORT: "8080",
      HOST: "0.0.0.0",
      ALLOWED_ORIGINS: "https://chat.example.com, https://other.example.org",
      SEND_RATE_BURST: "7",
      SEND_RATE_PER_SEC: "2.5",
      LOG_LEVEL: "warn",
    });

    expect(config).toMatchObject({
      PORT: 8080,
      HOST: "0.0.0.0",
      ALLOWED_ORIGINS: ["https://chat.example.com", "https://other.example.org"],
      SEND_RATE_BURST: 7,
      SEND_RATE_PER_SEC: 2.5,
      LOG_LEVEL: "warn",
    });
  });

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
    ["REDIS_URL", "redis://x"],
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
});
