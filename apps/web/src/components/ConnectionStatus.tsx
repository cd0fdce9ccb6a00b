import type { ConnectionStatus as Status } from "@chat/client";
import type { JSX } from "solid-js";
import { useChat } from "../stores/chat-context";

const labels: Record<Status, string> = {
  connecting: "Connecting…",
  online: "Online",
  reconnecting: "Reconnecting…",
  closed: "Offline",
};

/** The connection's state in words, announced politely when it changes. */
export function ConnectionStatus(): JSX.Element {
  const chat = useChat();
  return (
    <p role="status" class="connection-status" data-status={chat.status()}>
      <span class="status-dot" aria-hidden="true" />
      {labels[chat.status()]}
    </p>
  );
}
