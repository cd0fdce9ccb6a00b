/**
 * The server's Prometheus metrics, named after Centrifugo's set where one fits (namespace `chat`),
 * plus Node's own (`collectDefaultMetrics`: event-loop lag, heap, GC, descriptors). Nothing on a
 * delivery's path calls prom-client: the transport, the broker, the HTTP guard and the hooks in
 * `ServerCounts` keep plain numbers, and each metric reads them in its `collect()` when scraped.
 * The one exception is Redis latency, a histogram observed once per Redis call (a network round
 * trip dwarfs it), and only when the broker is Redis.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { ChatBroker } from "@chat/api";
import { SLOW_CONSUMER_CLOSE_CODE } from "@chat/api/close-codes";
import type { HttpGuard } from "./http-guard.js";
import { ServerCounts } from "./server-counts.js";
import type { WsTransport } from "@chat/trpc-ws";

/** Where scrapes read from: the server's parts, known once it has built them. */
export interface MetricSources {
  transport: WsTransport;
  broker: ChatBroker;
  http: HttpGuard;
}

/** Seconds a Redis call may take, as histogram buckets: from a local round trip to the command timeout. */
const REDIS_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** A registry of the server's metrics. */
export class ServerMetrics {
  /** What `/metrics` answers with. */
  readonly registry = new Registry();
  /** What the server counts for these metrics where things happen. */
  readonly counts: ServerCounts;
  /** Told of each Redis call (`RedisBrokerOptions.onCall`); undefined unless the broker is Redis. */
  readonly redisCall: ((seconds: number, failed: boolean) => void) | undefined;
  #sources: MetricSources | null = null;

  constructor(options: {
    /** Whether the broker is Redis, whose calls are then timed. */
    redis: boolean;
    /** The router's procedure paths, the only ones reply errors are labelled with. */
    procedures: Iterable<string>;
  }) {
    this.counts = new ServerCounts(new Set(options.procedures));
    const counts = this.counts;
    collectDefaultMetrics({ register: this.registry });
    this.redisCall = options.redis ? this.redisMetrics() : undefined;
    const read = <T>(pick: (sources: MetricSources) => T): T | null => (this.#sources === null ? null : pick(this.#sources));
    const registers = [this.registry];

    gauge(registers, "chat_node_num_clients", "Open WebSocket connections.", () => read((s) => s.transport.stats().connections));
    gauge(registers, "chat_node_num_subscriptions", "Open subscriptions (onMessage and onPresence).", () => read((s) => s.transport.stats().subscriptions));
    gauge(registers, "chat_node_num_channels", "Rooms held by this node.", () => read((s) => s.broker.stats().rooms));
    gauge(registers, "chat_node_history_bytes", "Bytes of message history held in this process's memory.", () => read((s) => s.broker.stats().historyBytes));
    gauge(registers, "chat_http_num_connections", "Open HTTP sockets, upgraded WebSockets included.", () => read((s) => s.http.open));

    new Counter({
      name: "chat_node_messages_sent_count",
      help: "Messages published by this node, by type (publication: messages from clients).",
      labelNames: ["type"],
      registers,
      collect() {
        this.reset();
        this.inc({ type: "publication" }, counts.messagesIn);
      },
    });
    counter(registers, "chat_transport_messages_sent", "Subscription events written to sockets.", () => read((s) => s.transport.stats().eventsSent));
    counter(registers, "chat_transport_messages_sent_size", "Bytes of subscription events written to sockets.", () => read((s) => s.transport.stats().eventBytesSent));
    counter(registers, "chat_transport_messages_received", "WebSocket frames received.", () => read((s) => s.transport.stats().framesReceived));
    counter(registers, "chat_transport_messages_received_size", "Bytes of WebSocket frames received.", () => read((s) => s.transport.stats().bytesReceived));
    counter(registers, "chat_client_replay_messages", "Messages replayed to subscriptions as they started.", () => read((s) => s.broker.stats().replayedMessages));
    counter(registers, "chat_client_replay_size", "Bytes of messages replayed to subscriptions as they started.", () => read((s) => s.broker.stats().replayedBytes));

    new Counter({
      name: "chat_client_num_reply_errors",
      help: "Requests answered with an error, by procedure and tRPC error code.",
      labelNames: ["method", "code"],
      registers,
      collect() {
        this.reset();
        for (const { labels, count } of counts.replyErrors.entries()) this.inc({ method: labels[0], code: labels[1] }, count);
      },
    });
    new Counter({
      name: "chat_client_num_server_disconnects",
      help: "Connections the server closed, by WebSocket close code (4008 slow consumer, 1008 flood).",
      labelNames: ["code"],
      registers,
      collect() {
        this.reset();
        // Slow consumers are counted by the transport itself (`TransportStats.slowConsumers`).
        this.inc({ code: String(SLOW_CONSUMER_CLOSE_CODE) }, read((s) => s.transport.stats().slowConsumers) ?? 0);
        for (const { labels, count } of counts.serverDisconnects.entries()) this.inc({ code: labels[0] }, count);
      },
    });
    new Counter({
      name: "chat_http_refused",
      help: "HTTP sockets refused with 503, by the cap they met.",
      labelNames: ["reason"],
      registers,
      collect() {
        this.reset();
        for (const [reason, count] of Object.entries(read((s) => s.http.refused) ?? {})) this.inc({ reason }, count);
      },
    });
  }

  /** Starts reading from the server's parts; scrapes before that show zeros. */
  watch(sources: MetricSources): void {
    this.#sources = sources;
  }

  /** The metrics of a Redis broker's calls, and the hook that feeds them. */
  private redisMetrics(): (seconds: number, failed: boolean) => void {
    const registers = [this.registry];
    const duration = new Histogram({
      name: "chat_broker_redis_command_duration_seconds",
      help: "How long Redis calls made for clients took, failed ones included.",
      buckets: REDIS_BUCKETS,
      registers,
    });
    const errors = new Counter({ name: "chat_broker_redis_errors", help: "Redis calls made for clients that failed.", registers });
    return (seconds, failed) => {
      duration.observe(seconds);
      if (failed) errors.inc();
    };
  }
}

/** A gauge set from `value()` at each scrape; absent values read as 0. */
function gauge(registers: Registry[], name: string, help: string, value: () => number | null): void {
  new Gauge({
    name,
    help,
    registers,
    collect() {
      this.set(value() ?? 0);
    },
  });
}

/** A counter set from the running total `value()` keeps, at each scrape; absent values read as 0. */
function counter(registers: Registry[], name: string, help: string, value: () => number | null): void {
  new Counter({
    name,
    help,
    registers,
    collect() {
      this.reset();
      this.inc(value() ?? 0);
    },
  });
}
