/**
 * How a connection's chat session is made from the config: the budgets shared by every
 * connection from one network address, and the limits each connection has on its own.
 */
import {
  AddressBudgets,
  type ChatBroker,
  type ChatContext,
  type Clock,
  createContextFactory,
  type Identity,
  type SessionCounts,
  type SessionLimits,
} from "@chat/api";
import type { Config } from "./config.js";
import type { Logger } from "./logger.js";

/** The budgets of each network address that `config` sets; one per server, shared by the upgrade gate and the sessions. */
export function addressBudgetsFrom(config: Config, clock: Clock): AddressBudgets {
  return new AddressBudgets(clock, {
    rates: {
      connect: { burst: config.ADDRESS_CONNECT_RATE_BURST, perSecond: config.ADDRESS_CONNECT_RATE_PER_SEC },
      join: { burst: config.ADDRESS_JOIN_RATE_BURST, perSecond: config.ADDRESS_JOIN_RATE_PER_SEC },
      send: { burst: config.ADDRESS_SEND_RATE_BURST, perSecond: config.ADDRESS_SEND_RATE_PER_SEC },
      typing: { burst: config.ADDRESS_TYPING_RATE_BURST, perSecond: config.ADDRESS_TYPING_RATE_PER_SEC },
      createRoom: { burst: config.ADDRESS_ROOM_RATE_BURST, perSecond: config.ADDRESS_ROOM_RATE_PER_SEC },
    },
  });
}

/** What `sessionFactory` is made from. */
export interface SessionFactoryDeps {
  config: Config;
  broker: ChatBroker;
  clock: Clock;
  logger: Logger;
  addressBudgets: AddressBudgets;
  /** Where sessions count what metrics report; none when metrics are off. */
  counts?: SessionCounts;
}

/** Makes a new connection's context from its client's address key (`addressKey`) and identity (undefined: the connection's own). */
export type SessionFactory = (address: string, identity: Identity | undefined) => ChatContext;

/** A day in milliseconds, for `NAME_CLAIM_TTL_DAYS`. */
const DAY_MS = 24 * 60 * 60 * 1000;

/** The server's session factory: every connection gets the limits `config` sets. */
export function sessionFactory({ config, broker, clock, logger, addressBudgets, counts }: SessionFactoryDeps): SessionFactory {
  const createSessionContext = createContextFactory({
    broker,
    clock,
    sendRate: { burst: config.SEND_RATE_BURST, perSecond: config.SEND_RATE_PER_SEC },
    leaveGraceMs: config.LEAVE_GRACE_MS,
    nameClaimTtlMs: config.NAME_CLAIM_TTL_DAYS * DAY_MS,
    addressBudgets,
    counts,
    onBackgroundError: (error, session) => logger.error("background_failed", { connectionId: session?.id, error }),
  });
  // One object for all connections, not one each.
  const connectionLimits: Partial<SessionLimits> = {
    joinRate: { burst: config.JOIN_RATE_BURST, perSecond: config.JOIN_RATE_PER_SEC },
    typingRate: { burst: config.TYPING_RATE_BURST, perSecond: config.TYPING_RATE_PER_SEC },
    subscribeRate: { burst: config.SUBSCRIBE_RATE_BURST, perSecond: config.SUBSCRIBE_RATE_PER_SEC },
    maxRooms: config.MAX_ROOMS_PER_CONNECTION,
    maxSubscriptions: config.MAX_SUBSCRIPTIONS_PER_CONNECTION,
  };
  return (address, identity) => createSessionContext({ limits: connectionLimits, address, identity });
}
