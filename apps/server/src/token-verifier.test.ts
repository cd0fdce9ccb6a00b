import { generateKeyPairSync } from "node:crypto";
import { exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "./config.js";
import { TokenRejected, tokenVerifierFrom, type AuthConfig, type TokenVerifier } from "./token-verifier.js";

const SECRET = "a-test-secret-that-is-32-bytes!!";
const secretBytes = new TextEncoder().encode(SECRET);

/** A token with `claims`, signed with `key` as `alg`, expiring in an hour unless `exp` says otherwise. */
function sign(claims: JWTPayload, key: CryptoKey | Uint8Array, alg = "HS256", exp: number | string = "1h"): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg }).setIssuedAt().setExpirationTime(exp).sign(key);
}

/** A verifier for `config`, which must describe one. */
async function verifierFor(config: AuthConfig): Promise<TokenVerifier> {
  const verify = await tokenVerifierFrom(config);
  if (verify === null) throw new Error("expected a verifier");
  return verify;
}

/** The `TokenRejected` that verifying `token` rejects with. */
async function rejectionOf(verify: TokenVerifier, token: string): Promise<TokenRejected> {
  const error: unknown = await verify(token).then(
    () => null,
    (rejected: unknown) => rejected,
  );
  if (!(error instanceof TokenRejected)) throw new Error(`expected a TokenRejected, got ${String(error)}`);
  return error;
}

describe("tokenVerifierFrom", () => {
  let es256: { privateKey: CryptoKey; pem: string };
  let rs256: { privateKey: CryptoKey; pem: string };

  beforeAll(async () => {
    const ec = await generateKeyPair("ES256");
    const rsa = await generateKeyPair("RS256");
    es256 = { privateKey: ec.privateKey, pem: await exportSPKI(ec.publicKey) };
    rs256 = { privateKey: rsa.privateKey, pem: await exportSPKI(rsa.publicKey) };
  });

  it("builds no verifier when neither a secret nor a public key is set", async () => {
    expect(await tokenVerifierFrom({})).toBeNull();
  });

  it("takes the name claim of an HS256 token signed with the secret, and its sub as the subject", async () => {
    const verify = await verifierFor({ AUTH_JWT_SECRET: SECRET });
    const verified = await verify(await sign({ name: "  Ada Lovelace ", preferred_username: "ada", sub: "user-1" }, secretBytes));

    expect(verified).toMatchObject({ name: "Ada Lovelace", subject: "user-1" });
  });

  it("falls back to preferred_username when there is no name", async () => {
    const verify = await verifierFor({ AUTH_JWT_SECRET: SECRET });

    expect(await verify(await sign({ name: "   ", preferred_username: "ada", sub: "user-1" }, secretBytes))).toMatchObject({ name: "ada", subject: "user-1" });
  });

  it("falls back to sub when there is no name or preferred_username", async () => {
    const verify = await verifierFor({ AUTH_JWT_SECRET: SECRET });

    expect(await verify(await sign({ sub: "user-1" }, secretBytes))).toMatchObject({ name: "user-1", subject: "user-1" });
  });

  it("takes the name as the subject when there is no sub", async () => {
    const verify = await verifierFor({ AUTH_JWT_SECRET: SECRET });

    expect(await verify(await sign({ name: "Ada" }, secretBytes))).toMatchObject({ name: "Ada", subject: "Ada" });
  });

  it("refuses a token that names nobody", async () => {
    const verify = await verifierFor({ AUTH_JWT_SECRET: SECRET });
    const rejected = await rejectionOf(verify, await sign({ name: 42, preferred_username: "" }, secretBytes));

    expect(rejected).toMatchObject({ reason: "invalid", message: "The sign-in token names nobody." });
  });

  it("verifies an ES256 token against a P-256 public key", async () => {
    const verify = await verifierFor({ AUTH_JWT_PUBLIC_KEY: es256.pem });

    expect(await verify(await sign({ name: "Ada", sub: "user-1" }, es256.privateKey, "ES256"))).toMatchObject({ name: "Ada", subject: "user-1" });
  });

  it("verifies an RS256 token against an RSA public key", async () => {
    const verify = await verifierFor({ AUTH_JWT_PUBLIC_KEY: rs256.pem });

    expect(await verify(await sign({ name: "Ada", sub: "user-1" }, rs256.privateKey, "RS256"))).toMatchObject({ name: "Ada", subject: "user-1" });
  });

  it("reports when the token expires, in milliseconds, and null for a token without exp", async () => {
    const verify = await verifierFor({ AUTH_JWT_SECRET: SECRET });
    const exp = Math.floor(Date.now() / 1000) + 600;
    const forever = await new SignJWT({ name: "Ada" }).setProtectedHeader({ alg: "HS256" }).sign(secretBytes);

    expect((await verify(await sign({ name: "Ada" }, secretBytes, "HS256", exp))).expiresAt).toBe(exp * 1000);
    expect((await verify(forever)).expiresAt).toBeNull();
  });

  it("refuses an expired token as expired, with a message for people", async () => {
    const verify = await verifierFor({ AUTH_JWT_SECRET: SECRET });
    const rejected = await rejectionOf(verify, await sign({ name: "Ada" }, secretBytes, "HS256", Math.floor(Date.now() / 1000) - 60));

    expect(rejected).toMatchObject({ reason: "expired", message: "Your sign-in has expired; sign in again." });
  });

  it("accepts a token that expired within the 5 s clock tolerance", async () => {
    const verify = await verifierFor({ AUTH_JWT_SECRET: SECRET });

    await expect(verify(await sign({ name: "Ada" }, secretBytes, "HS256", Math.floor(Date.now() / 1000) - 2))).resolves.toMatchObject({ name: "Ada" });
  });

  it("refuses a token signed with another secret, without saying more to the person", async () => {
    const verify = await verifierFor({ AUTH_JWT_SECRET: SECRET });
    const rejected = await rejectionOf(verify, await sign({ name: "Ada" }, new TextEncoder().encode("another-secret-that-is-32-bytes!")));

    expect(rejected).toMatchObject({ reason: "invalid", message: "Your sign-in token is not valid.", detail: "ERR_JWS_SIGNATURE_VERIFICATION_FAILED" });
  });

  it("refuses an HS256 token signed with the public key's PEM text (algorithm confusion)", async () => {
    const verify = await verifierFor({ AUTH_JWT_PUBLIC_KEY: rs256.pem });
    const forged = await sign({ name: "Mallory" }, new TextEncoder().encode(rs256.pem));

    expect(await rejectionOf(verify, forged)).toMatchObject({ reason: "invalid", detail: "ERR_JOSE_ALG_NOT_ALLOWED" });
  });

  it("refuses an unsigned token (alg: none)", async () => {
    const verify = await verifierFor({ AUTH_JWT_SECRET: SECRET });
    const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString("base64url");
    const unsigned = `${encode({ alg: "none", typ: "JWT" })}.${encode({ name: "Mallory", exp: Math.floor(Date.now() / 1000) + 600 })}.`;

    expect(await rejectionOf(verify, unsigned)).toMatchObject({ reason: "invalid", detail: "ERR_JOSE_ALG_NOT_ALLOWED" });
  });

  it("refuses a string that is not a token, and never repeats it", async () => {
    const verify = await verifierFor({ AUTH_JWT_SECRET: SECRET });
    const rejected = await rejectionOf(verify, "not-a-token-at-all");

    expect(rejected).toMatchObject({ reason: "invalid", message: "Your sign-in token is not valid." });
    expect(`${rejected.message} ${rejected.detail}`).not.toContain("not-a-token-at-all");
  });

  it("refuses a token from another issuer or for another audience, naming the claim in the detail", async () => {
    const verify = await verifierFor({ AUTH_JWT_SECRET: SECRET, AUTH_JWT_ISSUER: "https://id.example.com", AUTH_JWT_AUDIENCE: "chat" });
    const token = (claims: JWTPayload) => sign({ name: "Ada", ...claims }, secretBytes);

    expect(await rejectionOf(verify, await token({ iss: "https://evil.example.com", aud: "chat" }))).toMatchObject({ reason: "invalid", detail: expect.stringContaining("iss") });
    expect(await rejectionOf(verify, await token({ iss: "https://id.example.com", aud: "billing" }))).toMatchObject({ reason: "invalid", detail: expect.stringContaining("aud") });
    expect(await rejectionOf(verify, await token({}))).toMatchObject({ reason: "invalid" });
    await expect(verify(await token({ iss: "https://id.example.com", aud: "chat" }))).resolves.toMatchObject({ name: "Ada" });
  });

  it.each([
    ["an EC key on P-384", () => generateKeyPairSync("ec", { namedCurve: "P-384" }).publicKey, "an EC key on secp384r1"],
    ["an Ed25519 key", () => generateKeyPairSync("ed25519").publicKey, "a key of type ed25519"],
    ["an RSA key of 1024 bits", () => generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey, "under 2048 bits"],
  ])("refuses %s at start with a ConfigError", async (_kind, publicKey, message) => {
    const pem = publicKey().export({ type: "spki", format: "pem" }).toString();

    await expect(tokenVerifierFrom({ AUTH_JWT_PUBLIC_KEY: pem })).rejects.toThrow(ConfigError);
    await expect(tokenVerifierFrom({ AUTH_JWT_PUBLIC_KEY: pem })).rejects.toThrow(message);
  });

  it("refuses a public key that cannot be read, with a ConfigError", async () => {
    await expect(tokenVerifierFrom({ AUTH_JWT_PUBLIC_KEY: "-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----" })).rejects.toThrow(
      "AUTH_JWT_PUBLIC_KEY could not be read as a PEM public key",
    );
  });
});
