/**
 * The Redis access store against the same contract as the in-memory one, on a real `redis-server`,
 * with a second node (another broker on the same Redis and prefix) as `another`. Then what only a
 * store shared by nodes has to keep: a name held until release lasts as long as its node's lease.
 */
import { randomUUID } from "node:crypto";
import { type AddressInfo, connect, createServer, type Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { AccessStore } from "@chat/api";
import { describeAccessContract } from "@chat/api/testing";
import { type RedisServer, redisServerPath, startRedisServer } from "./testing/redis-server.js";
import { RedisBroker } from "./redis-broker.js";
import { RedisKeys } from "./redis-keys.js";

/** Short enough to watch a hold lapse; each renewal beat is a fraction of it. */
const LEASE = { presenceTtlMs: 400, presenceRefreshMs: 50 };

describe.skipIf(redisServerPath === null)("RedisAccessStore", () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis?.dispose();
  });

  describeAccessContract(
    "RedisAccessStore",
    async () => {
      const prefix = `access-${randomUUID()}:`;
      const brokers: RedisBroker[] = [];
      const node = async (): Promise<AccessStore> => {
        const broker = new RedisBroker({ url: redis.url, keyPrefix: prefix });
        brokers.push(broker);
        await broker.ready();
        return broker.access;
      };
      return { store: await node(), another: node, close: async () => void (await Promise.all(brokers.map((broker) => broker.close()))) };
    },
    { shared: true },
  );

  // Liveness bounds only: leases lapse and nodes reconnect in real time.
  describe("names held until release, across nodes", { timeout: 20_000 }, () => {
    let keys: RedisKeys;
    let inspector: Redis;
    let brokers: RedisBroker[] = [];
    let proxies: Proxy[] = [];

    beforeAll(() => {
      inspector = new Redis(redis.url);
    });
    afterAll(() => {
      inspector?.disconnect();
    });
    beforeEach(() => {
      keys = new RedisKeys(`holds-${randomUUID()}:`);
    });
    afterEach(async () => {
      await Promise.all(brokers.map((broker) => broker.close()));
      await Promise.all(proxies.map((proxy) => proxy.close()));
      brokers = [];
      proxies = [];
    });

    /** A node of this test's chat; `through` puts a proxy the test can cut between it and Redis. */
    const node = async (through?: Proxy): Promise<RedisBroker> => {
      const broker = new RedisBroker({ url: through?.url ?? redis.url, keyPrefix: keys.prefix, ...LEASE });
      brokers.push(broker);
      await broker.ready();
      return broker;
    };
    const proxy = async (): Promise<Proxy> => {
      const started = await startProxy(redis.port);
      proxies.push(started);
      return started;
    };
    const name = (): string => `name-${randomUUID().slice(0, 8)}`;

    it("keeps a live node's hold past the lease's TTL, renewing it, until its holder releases it", async () => {
      const [a, b] = [await node(), await node()];
      const key = name();
      expect(await a.access.claimName(key, "conn:1", null, 0, false)).toBe(true);
      await sleep(3 * LEASE.presenceTtlMs);
      expect(await b.access.claimName(key, "id-2", 1000, 0, false)).toBe(false);
      expect(await inspector.pttl(keys.nameClaim(key))).toBeGreaterThan(0);
      await a.access.releaseName(key, "conn:1");
      expect(await b.access.claimName(key, "id-2", 1000, 0, false)).toBe(true);
    });

    it("lets the holds of a node cut off from Redis lapse within the lease's TTL, and another node then takes the name", async () => {
      const cutOff = await proxy();
      const [a, b] = [await node(cutOff), await node()];
      const key = name();
      await a.access.claimName(key, "conn:1", null, 0, false);
      cutOff.cut();
      const cutAt = performance.now();
      expect(await b.access.claimName(key, "id-2", 1000, 0, false)).toBe(false);
      await expect.poll(() => b.access.claimName(key, "id-2", 1000, 0, false), { timeout: 5000, interval: 20 }).toBe(true);
      // The last renewal was at most a beat before the cut.
      expect(performance.now() - cutAt).toBeLessThan(LEASE.presenceTtlMs + 4 * LEASE.presenceRefreshMs);
    });

    it("puts back a hold that lapsed while its node was cut off, once the node is back, if nobody took the name", async () => {
      const cutOff = await proxy();
      const [a, b] = [await node(cutOff), await node()];
      const [kept, taken] = [name(), name()];
      await a.access.claimName(kept, "conn:1", null, 0, false);
      await a.access.claimName(taken, "conn:1", null, 0, false);
      cutOff.cut();
      await expect.poll(() => inspector.exists(keys.nameClaim(kept), keys.nameClaim(taken)), { timeout: 5000 }).toBe(0);
      expect(await b.access.claimName(taken, "id-2", 1000, 0, false)).toBe(true);
      cutOff.restore();
      await expect.poll(() => inspector.exists(keys.nameClaim(kept)), { timeout: 5000 }).toBe(1);
      // A few beats more: the name another took stays theirs, and the node has let it go for good.
      await sleep(4 * LEASE.presenceRefreshMs);
      expect(await b.access.claimName(kept, "id-2", 1000, 0, false)).toBe(false);
      expect(await inspector.get(keys.nameClaim(taken))).toBe("1000\nid-2");
      await b.access.releaseName(taken, "id-2");
      await sleep(4 * LEASE.presenceRefreshMs);
      expect(await inspector.exists(keys.nameClaim(taken))).toBe(0);
    });

    it("frees a closing node's holds at once, for its clients to take again on another node", async () => {
      const [a, b] = [await node(), await node()];
      const key = name();
      await a.access.claimName(key, "conn:1", null, 0, false);
      await a.close();
      expect(await b.access.claimName(key, "conn:2", null, 0, false)).toBe(true);
    });

    it("has Redis expire a claim with a time when it lapses", async () => {
      const a = await node();
      const key = name();
      await a.access.claimName(key, "id-1", 1000, 0, false);
      const ttl = await inspector.pttl(keys.nameClaim(key));
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(1000);
    });

    it("refuses access calls with UNAVAILABLE while Redis is unreachable", async () => {
      const cutOff = await proxy();
      const a = await node(cutOff);
      cutOff.cut();
      await expect.poll(() => a.health().ok).toBe(false);
      await expect(a.access.claimName(name(), "conn:1", null, 0, false)).rejects.toMatchObject({ reason: "UNAVAILABLE" });
      await expect(a.access.privateAmong(["r"])).rejects.toMatchObject({ reason: "UNAVAILABLE" });
      await expect(a.access.roomAccess("r", "id-1")).rejects.toMatchObject({ reason: "UNAVAILABLE" });
    });
  });
});

/** A TCP proxy to Redis that a test can cut, as if its node had lost the network. */
interface Proxy {
  readonly url: string;
  /** Drops every connection through it, and every new one until `restore`. */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

async function startProxy(redisPort: number): Promise<Proxy> {
  let open = true;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    if (!open) {
      client.destroy();
      return;
    }
    const upstream = connect(redisPort, "127.0.0.1");
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", () => {});
      socket.on("close", () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const cut = (): void => {
    open = false;
    for (const socket of sockets) socket.destroy();
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    cut,
    restore: () => {
      open = true;
    },
    close: async () => {
      cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
