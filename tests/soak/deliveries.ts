/**
 * The soak's delivery check: which subscription had to receive which acknowledged message, and
 * whether it did, exactly once and in each sender's order.
 */
import { settle } from "./soak-util.js";

/** One `onMessage` subscription of one client, as the soak tracked it. */
export interface Subscription {
  roomId: string;
  /** When the server first confirmed it (`performance.now()`); null until then. */
  since: number | null;
  /** When this client stopped it; null while open. */
  until: number | null;
  /** Ids of the user messages received, in order. */
  received: string[];
  unsubscribe: () => void;
}

/** An acknowledged message. */
export interface Sent {
  id: string;
  roomId: string;
  sender: string;
  /** When the send was issued (`performance.now()`). */
  issuedAt: number;
}

/**
 * Waits (up to 30 s, liveness only) until every required delivery arrived, then lists violations:
 * a required message missing or doubled, any message received twice, a sender's messages out of order.
 */
export async function checkDeliveries(subscriptions: readonly Subscription[], sent: readonly Sent[]): Promise<{ requiredDeliveries: number; violations: string[] }> {
  const violations: string[] = [];
  // Which subscription must hold which message: started before the send was issued, open to the end.
  const required = new Map<Subscription, Sent[]>();
  for (const subscription of subscriptions) {
    if (subscription.until !== null || subscription.since === null) continue;
    const since = subscription.since;
    required.set(subscription, sent.filter((message) => message.roomId === subscription.roomId && message.issuedAt >= since));
  }
  const missing = (): number => {
    let count = 0;
    for (const [subscription, messages] of required) {
      const received = new Set(subscription.received);
      for (const message of messages) if (!received.has(message.id)) count++;
    }
    return count;
  };
  await settle(() => missing() === 0, 30_000);
  let requiredDeliveries = 0;
  for (const [subscription, messages] of required) {
    requiredDeliveries += messages.length;
    for (const message of messages) {
      const times = subscription.received.filter((id) => id === message.id).length;
      if (times !== 1) violations.push(`${message.id} in ${message.roomId} delivered ${times} times to a subscription open since before its send`);
    }
  }
  const senderOf = new Map(sent.map((message) => [message.id, message.sender]));
  const order = new Map(sent.map((message, index) => [message.id, index]));
  for (const subscription of subscriptions) {
    if (new Set(subscription.received).size !== subscription.received.length) violations.push(`a subscription of ${subscription.roomId} received a message twice`);
    const lastBySender = new Map<string, number>();
    for (const id of subscription.received) {
      const sender = senderOf.get(id);
      const position = order.get(id);
      if (sender === undefined || position === undefined) continue;
      if ((lastBySender.get(sender) ?? -1) > position) violations.push(`${sender}'s messages out of order in ${subscription.roomId}`);
      lastBySender.set(sender, position);
    }
  }

  return { requiredDeliveries, violations };
}
