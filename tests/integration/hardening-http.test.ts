import { describe, expect, it } from "vitest";
import { rawRequest } from "../fixtures/raw-http.js";
import { startTestServer } from "../fixtures/test-server.js";

/** A Content-Security-Policy as directive → value. */
function directives(csp: string | string[] | undefined): Record<string, string> {
  if (typeof csp !== "string") throw new Error(`expected one Content-Security-Policy header, got ${String(csp)}`);
  return Object.fromEntries(
    csp
      .split(";")
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => {
        const [name = "", ...values] = part.split(/\s+/);
        return [name, values.join(" ")];
      }),
  );
}

describe("encoded path tricks", () => {
  it.each([
    "/%2e%2e/package.json",
    "/%2E%2E/secret.txt",
    "/%2e%2e/",
    "/assets/%2e%2e/index.html",
    "/assets%2fapp-abc123.js",
    "/%2fetc%2fpasswd",
    "/room%2fx",
    "/index.html%00",
    "/%00",
    "/..%2fsecret.txt",
    "/..%2f",
    "/%5c",
    "/%5c..%5csecret.txt",
    "/assets%5capp-abc123.js",
    "/%E0%A4%A",
  ])("answers %s with 404", async (path) => {
    const app = await startTestServer();

    const response = await rawRequest(app.port, path);

    expect(response.status).toBe(404);
  });
});

describe("methods", () => {
  it.each(["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])("answers %s with 405 and Allow: GET, HEAD, on every path", async (method) => {
    const app = await startTestServer();

    for (const path of ["/", "/healthz", "/assets/app-abc123.js", "/room/x"]) {
      const response = await rawRequest(app.port, path, method);
      expect({ path, status: response.status, allow: response.headers.allow }).toEqual({ path, status: 405, allow: "GET, HEAD" });
    }
  });

  it("answers HEAD like GET, without a body", async () => {
    const app = await startTestServer();

    const page = await rawRequest(app.port, "/", "HEAD");
    const health = await rawRequest(app.port, "/healthz", "HEAD");

    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    expect(page.body).toBe("");
    expect(health.status).toBe(200);
    expect(health.body).toBe("");
  });
});

describe("security headers", () => {
  it.each(["/", "/index.html", "/room/general"])("sends the security headers with the HTML at %s", async (path) => {
    const app = await startTestServer();

    const response = await rawRequest(app.port, path);

    expect(response.status).toBe(200);
    expect(response.headers["content-type"]).toMatch(/^text\/html/);
    expect(directives(response.headers["content-security-policy"])).toMatchObject({
      "default-src": "'self'",
      "connect-src": "'self' ws: wss:",
      "frame-ancestors": "'none'",
    });
    expect(response.headers["x-content-type-options"]).toBe("nosniff");
    expect(response.headers["referrer-policy"]).toBe("no-referrer");
  });

  it("marks scripts nosniff too, so they cannot be read as another type", async () => {
    const app = await startTestServer();

    const response = await rawRequest(app.port, "/assets/app-abc123.js");

    expect(response.headers["x-content-type-options"]).toBe("nosniff");
  });
});
