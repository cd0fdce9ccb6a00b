/**
 * Signed-in identity through the real client and server (issue 15): a site's JWT, sent as
 * `connectionParams.token`, names the person, whose name is then theirs alone; `AUTH_REQUIRED`
 * turns everyone else away; an expired token closes the connection with 4001, and the client
 * reconnects with a fresh one. Keys are made here, for HS256 and ES256.
 */
import { randomBytes } from "node:crypto";
import { TOKEN_EXPIRED_CLOSE_CODE, TOKEN_EXPIRED_CLOSE_REASON } from "@chat/client";
import { exportSPKI, generateKeyPair, type JWTPayload, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { collectMessages, texts, trpcError, uniqueName, uniqueRoomId, waitFor } from "../fixtures/helpers.js";
import { startTestServer } from "../fixtures/test-server.js";

/** A signer and the server settings that trust it. */
interface Issuer {
  name: string;
  env: Record<string, string>;
  sign: (claims: JWTPayload, expiresInSeconds?: number) => Promise<string>;
}

async function hs256(): Promise<Issuer> {
  const secret = randomBytes(32).toString("base64url");
  const key = new TextEncoder().encode(secret);
  return {
    name: "HS256",
    env: { AUTH_JWT_SECRET: secret },
    sign: (claims, expiresInSeconds = 3600) =>
      new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setIssuedAt().setExpirationTime(Math.floor(Date.now() / 1000) + expiresInSeconds).sign(key),
  };
}

async function es256(): Promise<Issuer> {
  const { privateKey, publicKey } = await generateKeyPair("ES256");
  return {
    name: "ES256",
    env: { AUTH_JWT_PUBLIC_KEY: await exportSPKI(publicKey), AUTH_JWT_ISSUER: "https://id.example.com", AUTH_JWT_AUDIENCE: "chat" },
    sign: (claims, expiresInSeconds = 3600) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: "ES256" })
        .setIssuer("https://id.example.com")
        .setAudience("chat")
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + expiresInSeconds)
        .sign(privateKey),
  };
}

/** Opens a raw socket that sends `params` as tRPC's first message, and resolves with its close code and reason. */
function closeOf(wsUrl: string, params: Record<string, string>): Promise<{ code: number; reason: string }> {
  const socket = new WebSocket(`${wsUrl}?connectionParams=1`);
  socket.on("open", () => socket.send(JSON.stringify({ method: "connectionParams", data: params })));
  return new Promise((resolve) => socket.once("close", (code, reason) => resolve({ code, reason: reason.toString() })));
}

describe.each([
  { name: "HS256", issuer: hs256 },
  { name: "ES256", issuer: es256 },
])("sign-in with $name tokens", ({ issuer }) => {
  it("names the person by the token, lets them use that name only, and gives it to them whoever held it", async () => {
    const signer = await issuer();
    const app = await startTestServer(signer.env);
    const roomId = uniqueRoomId("jwt");
    const name = uniqueName("alice");
    const guest = app.client();
    await guest.trpc.joinRoom.mutate({ roomId: uniqueRoomId("before"), username: name });

    const token = await signer.sign({ sub: "user-1", name });
    const alice = app.client({ connectionParams: () => ({ token }) });
    const joined = await alice.trpc.joinRoom.mutate({ roomId, username: name });
    expect(joined.members).toEqual([{ username: name }]);
    const other = await trpcError(alice.trpc.joinRoom.mutate({ roomId: uniqueRoomId("other"), username: uniqueName("bob") }));
    expect([other.data?.code, other.message]).toEqual(["FORBIDDEN", `You are signed in as ${name}; join under that name.`]);
    const taken = await trpcError(guest.trpc.joinRoom.mutate({ roomId: uniqueRoomId("after"), username: name }));
    expect(taken.data?.code).toBe("CONFLICT");
  });

  it("falls back to preferred_username, then sub, for the name", async () => {
    const signer = await issuer();
    const app = await startTestServer(signer.env);
    const preferred = uniqueName("pref");
    const subject = uniqueName("sub");
    const byPreferred = app.client({ connectionParams: async () => ({ token: await signer.sign({ sub: "user-2", preferred_username: preferred }) }) });
    expect((await byPreferred.trpc.joinRoom.mutate({ roomId: uniqueRoomId("p"), username: preferred })).username).toBe(preferred);
    const bySubject = app.client({ connectionParams: async () => ({ token: await signer.sign({ sub: subject }) }) });
    expect((await bySubject.trpc.joinRoom.mutate({ roomId: uniqueRoomId("s"), username: subject })).username).toBe(subject);
  });

  it("answers every call of a connection with a token it cannot verify with UNAUTHORIZED", async () => {
    const signer = await issuer();
    const stranger = await (signer.name === "HS256" ? hs256() : es256());
    const app = await startTestServer(signer.env);
    const forged = await stranger.sign({ sub: "user-3", name: "mallory" });
    const client = app.client({ connectionParams: () => ({ token: forged }) });
    for (const call of [() => client.trpc.joinRoom.mutate({ roomId: uniqueRoomId("x"), username: "mallory" }), () => client.trpc.listRooms.query({})]) {
      const error = await trpcError(call());
      expect([error.data?.code, error.message]).toEqual(["UNAUTHORIZED", "Your sign-in token is not valid."]);
    }
  });

  it("closes a connection with 4001 when its token runs out, and the client goes on with a fresh one", async () => {
    const signer = await issuer();
    const app = await startTestServer(signer.env);
    const name = uniqueName("erin");
    const roomId = uniqueRoomId("expiry");

    // The server's clock tolerance is 5 s: a token 10 s past its time is expired for sure.
    expect(await closeOf(app.wsUrl, { token: await signer.sign({ sub: "user-4", name }, -10) })).toEqual({
      code: TOKEN_EXPIRED_CLOSE_CODE,
      reason: TOKEN_EXPIRED_CLOSE_REASON,
    });
    expect(await closeOf(app.wsUrl, { token: await signer.sign({ sub: "user-4", name }, 1) })).toEqual({
      code: TOKEN_EXPIRED_CLOSE_CODE,
      reason: TOKEN_EXPIRED_CLOSE_REASON,
    });

    let tokens = 0;
    const client = app.client({
      connectionParams: async () => {
        tokens++;
        return { token: await signer.sign({ sub: "user-4", name }, 1) };
      },
    });
    await client.trpc.joinRoom.mutate({ roomId, username: name });
    const reader = collectMessages(app.client(), roomId);
    await waitFor(() => tokens >= 2, "the client to reconnect with a fresh token", 15_000);
    await client.trpc.sendMessage.mutate({ roomId, text: "still here" });
    await waitFor(() => texts(reader.events).includes("still here"), "the message sent after the reconnect");
  });
});

describe("AUTH_REQUIRED", () => {
  it("answers every call of a connection without a token with UNAUTHORIZED, and serves a signed-in one", async () => {
    const signer = await hs256();
    const app = await startTestServer({ ...signer.env, AUTH_REQUIRED: "true" });
    const roomId = uniqueRoomId("required");
    const guest = app.client();
    const required = "Sign in to use this chat: it is open to signed-in people only.";
    for (const call of [
      () => guest.trpc.joinRoom.mutate({ roomId, username: "guest" }),
      () => guest.trpc.listRooms.query({}),
      () => guest.trpc.history.query({ roomId }),
    ]) {
      const error = await trpcError(call());
      expect([error.data?.code, error.message]).toEqual(["UNAUTHORIZED", required]);
    }
    const stream = collectMessages(guest, roomId);
    await waitFor(() => stream.errors.length > 0, "the stream to be refused");
    expect(stream.events).toEqual([]);

    const name = uniqueName("member");
    const token = await signer.sign({ sub: "user-5", name });
    const member = app.client({ connectionParams: () => ({ token }) });
    expect((await member.trpc.joinRoom.mutate({ roomId, username: name })).username).toBe(name);
  });
});
