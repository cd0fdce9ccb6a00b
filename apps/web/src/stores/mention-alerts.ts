/**
 * Mentions of the user while the tab is hidden: counted for the document title until the tab is
 * seen again, and raised as a browser notification once the person turned that on (permission is
 * asked only then, never on load). The choice is remembered; the browser's permission still rules.
 */
import type { ChatMessage } from "@chat/client";
import { type KeyValueStorage, readKey, writeKey } from "../lib/storage";
import type { JoinedRooms } from "./joined-rooms";

/** Where the "Notify me when mentioned" choice is kept between visits. */
export const NOTIFY_MENTIONS_KEY = "chat.notifyMentions";

/** A browser's notification permission, or `"unsupported"` where there are no notifications. */
export type NotificationPermissionState = NotificationPermission | "unsupported";

/** The browser's notifications, as far as the store uses them; tests pass a fake. */
export interface Notifier {
  permission(): NotificationPermissionState;
  /** Asks the person; call only from their own action. */
  request(): Promise<NotificationPermissionState>;
  /** Shows a notification; `onClick` runs when it is clicked. */
  show(title: string, body: string, onClick: () => void): void;
}

/** The page's `Notification`, or a notifier that has none. */
export function browserNotifier(): Notifier {
  const api = typeof Notification === "undefined" ? undefined : Notification;
  return {
    permission: () => api?.permission ?? "unsupported",
    request: async () => (api === undefined ? "unsupported" : await api.requestPermission()),
    show(title, body, onClick) {
      if (api === undefined || api.permission !== "granted") return;
      try {
        const notification = new api(title, { body, tag: "chat-mention" });
        notification.onclick = () => {
          window.focus();
          onClick();
          notification.close();
        };
      } catch {
        // Some browsers (Android Chrome) allow notifications only from a service worker: the title still counts.
      }
    },
  };
}

/** Whether the page is hidden (another tab, minimized); never in Node. */
export function documentHidden(): boolean {
  return typeof document !== "undefined" && document.visibilityState === "hidden";
}

/** What the store's mention handling needs. */
export interface MentionAlertDeps {
  rooms: JoinedRooms;
  storage: KeyValueStorage;
  notifier: Notifier;
  hidden: () => boolean;
  /** Shows a room (`ChatStore.show`), for a clicked notification. */
  show(roomId: string): void;
}

/** The store's mention handling. */
export interface MentionAlerts {
  /** Whether notifications were turned on (and are still allowed), for the store's initial state. */
  readonly initiallyOn: boolean;
  /** A message from the stream mentions the user. */
  mentioned(roomId: string, message: ChatMessage): void;
  /** Turns notifications on (asking for permission) or off; resolves whether they are on now. */
  setEnabled(on: boolean): Promise<boolean>;
  /** The tab is seen again: the mentions are read. */
  clear(): void;
}

/** The store's `MentionAlerts`, writing `unreadMentions` and `notifyMentions` through `rooms`. */
export function mentionAlerts({ rooms, storage, notifier, hidden, show }: MentionAlertDeps): MentionAlerts {
  const { state, setState } = rooms;
  return {
    initiallyOn: readKey(storage, NOTIFY_MENTIONS_KEY) === "on" && notifier.permission() === "granted",
    mentioned(roomId, message) {
      if (!hidden()) return;
      setState("unreadMentions", (count) => count + 1);
      if (state.notifyMentions) notifier.show(`${message.username} mentioned you in #${roomId}`, message.text, () => show(roomId));
    },
    async setEnabled(on) {
      let enabled = on;
      if (on) {
        const permission = notifier.permission() === "granted" ? "granted" : await notifier.request();
        enabled = permission === "granted";
      }
      writeKey(storage, NOTIFY_MENTIONS_KEY, enabled ? "on" : "off");
      setState("notifyMentions", enabled);
      return enabled;
    },
    clear() {
      if (state.unreadMentions !== 0) setState("unreadMentions", 0);
    },
  };
}
