/**
 * `GET /metrics` on the real server: Prometheus's text format, off the public port by default,
 * on `METRICS_PORT` or behind `METRICS_TOKEN`, with values that move with real traffic.
 */
import { ManualClock } from "@chat/api";
import { encodeFrame, wireRequest } from "@chat/api/wire-kit";
import { FLOOD_CLOSE_CODE, SLOW_CONSUMER_CLOSE_CODE } from "@chat/client";
import { type RedisServer, redisServerPath, startRedisServer } from "@chat/redis-broker/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectMessages, trpcError, uniqueRoomId, waitFor, within } from "../fixtures/helpers.js";
import { isResponseTo, openRawSocket } from "../fixtures/raw-socket.js";
import { startTestServer, type TestServer } from "../fixtures/test-server.js";

const TOKEN = "a-metrics-token-of-some-length";

/** The value of the sample `name{labels}` in a Prometheus text exposition, or undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const present = (match[2] ?? "").split(",").filter(Boolean);
    if (wanted.every((label) => present.includes(label))) return Number(match[3]);
  }
  return undefined;
}

/** Scrapes `url` and returns the status, the content type and the body. */
async function scrape(url: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string | null; body: string }> {
  const response = await fetch(url, { headers });
  return { status: response.status, type: response.headers.get("content-type"), body: await response.text() };
}

function metricsUrlOf(app: TestServer): string {
  if (app.server.metricsUrl === null) throw new Error("the server opened no metrics port");
  return `${app.server.metricsUrl}/metrics`;
}

describe("metrics on METRICS_PORT", () => {
  it("are served in Prometheus's format on their own port, and move with traffic", async () => {
    const app = await startTestServer({ METRICS_PORT: "0" });
    const alice = app.client();
    const bob = app.client();
    const roomId = uniqueRoomId("metrics");
    const joined = await alice.trpc.joinRoom.mutate({ roomId, username: "alice" });
    const live = collectMessages(alice, roomId);
    await live.started;
    for (const text of ["one", "two", "three"]) await alice.trpc.sendMessage.mutate({ roomId, text });
    // The join line, replayed as the subscription started, then the three messages live.
    await waitFor(() => live.events.length === 4, "the three messages to arrive");
    // A reader resuming after the join line is replayed the three messages.
    const resumed = collectMessages(bob, roomId, joined.history[0]?.id);
    await waitFor(() => resumed.events.length === 3, "the replay");
    await trpcError(bob.trpc.sendMessage.mutate({ roomId, text: "not a member" }));

    const { status, type, body } = await scrape(metricsUrlOf(app));

    expect(status).toBe(200);
    expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(sample(body, "chat_node_num_clients")).toBe(2);
    expect(sample(body, "chat_node_num_subscriptions")).toBe(2);
    expect(sample(body, "chat_node_num_channels")).toBe(1);
    expect(sample(body, "chat_node_messages_sent_count", { type: "publication" })).toBe(3);
    expect(sample(body, "chat_transport_messages_sent")).toBe(7);
    expect(sample(body, "chat_transport_messages_sent_size")).toBeGreaterThan(7 * 50);
    expect(sample(body, "chat_transport_messages_received")).toBeGreaterThanOrEqual(7);
    expect(sample(body, "chat_transport_messages_received_size")).toBeGreaterThan(0);
    expect(sample(body, "chat_client_replay_messages")).toBe(4);
    expect(sample(body, "chat_client_replay_size")).toBeGreaterThan(0);
    expect(sample(body, "chat_client_num_reply_errors", { method: "sendMessage", code: "FORBIDDEN" })).toBe(1);
    expect(sample(body, "chat_client_num_server_disconnects", { code: String(SLOW_CONSUMER_CLOSE_CODE) })).toBe(0);
    expect(sample(body, "chat_http_num_connections")).toBeGreaterThanOrEqual(2);
    expect(sample(body, "nodejs_eventloop_lag_seconds")).toBeGreaterThanOrEqual(0);
    expect(sample(body, "process_open_fds")).toBeGreaterThan(0);
  });

  it("count a flooder's 1008 close and its refusals", async () => {
    const clock = new ManualClock();
    const app = await startTestServer({ METRICS_PORT: "0", JOIN_RATE_BURST: "1", RATE_LIMIT_STRIKES: "1" }, { clock });
    const flooder = await openRawSocket(app.wsUrl);
    const join = (id: number): string => encodeFrame(wireRequest(id, "mutation", "joinRoom", { roomId: uniqueRoomId("flood"), username: "mallory" }));

    // The first join is served, the second is told to wait, the third ignores the wait and is a strike.
    for (const id of [1, 2]) {
      flooder.socket.send(join(id));
      await waitFor(() => flooder.received.some(isResponseTo(id)), `the answer to ${id}`);
    }
    flooder.socket.send(join(3));
    expect(await within(flooder.closed, "the flooder to be closed")).toBe(FLOOD_CLOSE_CODE);
    const { body } = await scrape(metricsUrlOf(app));

    expect(sample(body, "chat_client_num_server_disconnects", { code: String(FLOOD_CLOSE_CODE) })).toBe(1);
    expect(sample(body, "chat_client_num_reply_errors", { method: "joinRoom", code: "TOO_MANY_REQUESTS" })).toBe(2);
  });

  it("answer 404 for any other path there, and are not on the public port", async () => {
    const app = await startTestServer({ METRICS_PORT: "0", METRICS_TOKEN: TOKEN });
    const authorization = { Authorization: `Bearer ${TOKEN}` };

    expect((await scrape(`${app.server.metricsUrl}/`, authorization)).status).toBe(404);
    expect((await scrape(`${app.url}/metrics`, authorization)).status).toBe(404);
    expect((await scrape(metricsUrlOf(app))).status).toBe(401);
    expect((await scrape(metricsUrlOf(app), authorization)).status).toBe(200);
  });
});

describe("metrics behind METRICS_TOKEN on the public port", () => {
  it("answer only a request that carries the token as a bearer, 401 otherwise", async () => {
    const app = await startTestServer({ METRICS_TOKEN: TOKEN });

    const missing = await fetch(`${app.url}/metrics`);
    const wrong = await scrape(`${app.url}/metrics`, { Authorization: `Bearer ${TOKEN}x` });
    const basic = await scrape(`${app.url}/metrics`, { Authorization: `Basic ${Buffer.from(`user:${TOKEN}`).toString("base64")}` });
    const right = await scrape(`${app.url}/metrics`, { Authorization: `Bearer ${TOKEN}` });

    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(wrong.status).toBe(401);
    expect(basic.status).toBe(401);
    expect(right.status).toBe(200);
    expect(sample(right.body, "chat_node_num_clients")).toBe(0);
    expect(app.server.metricsUrl).toBeNull();
  });
});

describe("metrics by default", () => {
  it("are served nowhere: /metrics is 404 and no port is opened", async () => {
    const app = await startTestServer();

    const response = await scrape(`${app.url}/metrics`, { Authorization: `Bearer ${TOKEN}` });

    expect(response.status).toBe(404);
    expect(app.server.metricsUrl).toBeNull();
  });
});

describe.skipIf(redisServerPath === null)("metrics of the Redis broker", () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(() => redis.dispose());

  it("time every Redis call and count the ones that fail", async () => {
    const app = await startTestServer({ METRICS_PORT: "0", REDIS_URL: redis.url, REDIS_KEY_PREFIX: `metrics-${Date.now()}:` });
    await waitFor(async () => (await fetch(`${app.url}/healthz`)).status === 200, "the broker to reach Redis");
    const alice = app.client();
    const roomId = uniqueRoomId("redis");
    await alice.trpc.joinRoom.mutate({ roomId, username: "alice" });
    await alice.trpc.sendMessage.mutate({ roomId, text: "stored in Redis" });
    const before = (await scrape(metricsUrlOf(app))).body;

    await redis.stop();
    const refused = await trpcError(alice.trpc.sendMessage.mutate({ roomId, text: "while Redis is away" }));
    const after = (await scrape(metricsUrlOf(app))).body;
    await redis.start();

    expect(sample(before, "chat_broker_redis_command_duration_seconds_count")).toBeGreaterThan(0);
    expect(sample(before, "chat_broker_redis_command_duration_seconds_bucket", { le: "+Inf" })).toBe(
      sample(before, "chat_broker_redis_command_duration_seconds_count"),
    );
    expect(sample(before, "chat_broker_redis_errors")).toBe(0);
    expect(refused.data?.code).toBe("SERVICE_UNAVAILABLE");
    expect(sample(after, "chat_broker_redis_errors")).toBeGreaterThan(0);
  });
});
