/**
 * The measurement behind the Redis broker's choice of live fan-out (docs/scaling.md): one node
 * reading every room, messages stored and announced by a script as the broker does, delivered
 * either by pub/sub (one connection subscribed to every room's channel) or by a blocking XREAD
 * over every room's stream, issued again after each reply. Reports delivery latency and the
 * Redis server's CPU per message, from its own INFO.
 *
 * Run: `node --import tsx bench/src/redis-fanout-choice.ts [rooms=1000] [messages/s=2000] [seconds=5]`
 * (needs redis-server on the PATH; starts its own on a free port).
 */
import { startRedisServer } from "@chat/redis-broker/testing";
import { Redis } from "ioredis";
import { quantile } from "./stats.js";

const rooms = Number(process.argv[2] ?? 1000);
const rate = Number(process.argv[3] ?? 2000);
const seconds = Number(process.argv[4] ?? 5);

/** What the broker's store script does, reduced to the two writes that matter here. */
const STORE = `redis.call('XADD', KEYS[1], 'MAXLEN', '~', 1000, '*', 'm', ARGV[1]) redis.call('PUBLISH', KEYS[2], ARGV[1]) return 1`;

type Mode = "pubsub" | "xread";

/** Redis's own CPU seconds so far (user + system). */
async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info("cpu");
  const read = (name: string): number => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? Number.NaN);
  return read("used_cpu_user") + read("used_cpu_sys");
}

/** Delivers via pub/sub; returns how to stop. */
async function readByPubSub(reader: Redis, names: string[], latencies: number[]): Promise<() => Promise<void>> {
  reader.on("message", (_channel: string, sentAt: string) => latencies.push(performance.now() - Number(sentAt)));
  for (let index = 0; index < names.length; index += 500) await reader.subscribe(...names.slice(index, index + 500).map((name) => `ch:${name}`));
  return async () => undefined;
}

/** Delivers via a blocking XREAD over every stream, again after each reply; returns how to stop. */
async function readByXread(reader: Redis, names: string[], latencies: number[]): Promise<() => Promise<void>> {
  const lastIds = new Map(names.map((name) => [`st:${name}`, "0-0"]));
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const keys = [...lastIds.keys()];
      const ids = keys.map((key) => lastIds.get(key) ?? "0-0");
      // RESP3 (ioredis 6's default) gives XREAD's map as a flat [key, entries, key, entries…] list.
      const reply = (await reader.call("XREAD", "COUNT", "100", "BLOCK", "200", "STREAMS", ...keys, ...ids)) as (string | [string, string[] | null][])[] | null;
      const now = performance.now();
      for (let index = 0; reply !== null && index + 1 < reply.length; index += 2) {
        const key = reply[index] as string;
        for (const [id, fields] of reply[index + 1] as [string, string[] | null][]) {
          lastIds.set(key, id);
          if (fields) latencies.push(now - Number(fields[1]));
        }
      }
    }
  })();
  return async () => {
    stopped = true;
    await loop;
  };
}

async function measure(mode: Mode): Promise<void> {
  const server = await startRedisServer();
  const writer = new Redis(server.url);
  const reader = new Redis(server.url);
  try {
    const store = (stream: string, channel: string, body: string): Promise<unknown> => writer.eval(STORE, 2, stream, channel, body);
    const names = Array.from({ length: rooms }, (_, index) => `room${index}`);
    const latencies: number[] = [];
    const stop = await (mode === "pubsub" ? readByPubSub : readByXread)(reader, names, latencies);
    const cpuBefore = await redisCpuSeconds(writer);
    const total = rate * seconds;
    const start = performance.now();
    const writes: Promise<unknown>[] = [];
    for (let sent = 0; sent < total; sent++) {
      const wait = start + (sent * 1000) / rate - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      const name = names[sent % names.length] ?? "room0";
      writes.push(store(`st:${name}`, `ch:${name}`, String(performance.now())));
    }
    await Promise.all(writes);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const cpuAfter = await redisCpuSeconds(writer);
    await stop();
    latencies.sort((a, b) => a - b);
    const row = {
      mode,
      rooms,
      delivered: `${latencies.length}/${total}`,
      p50Ms: quantile(latencies, 0.5).toFixed(2),
      p99Ms: quantile(latencies, 0.99).toFixed(2),
      redisCpuMicrosPerMessage: (((cpuAfter - cpuBefore) * 1e6) / total).toFixed(1),
    };
    console.log(JSON.stringify(row));
  } finally {
    writer.disconnect();
    reader.disconnect();
    await server.dispose();
  }
}

await measure("pubsub");
await measure("xread");
