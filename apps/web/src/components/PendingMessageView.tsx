import { type JSX, Show } from "solid-js";
import { avatarFor } from "../lib/avatar";
import { useChat } from "../stores/chat-context";
import type { PendingMessage } from "../stores/outbox";
import { MessageText } from "./MessageText";

/**
 * One of the user's messages that the server has not confirmed: muted, and marked in words
 * ("Sending…", or "Not sent" with the reason and Retry and Discard), never by colour alone. The
 * server's copy takes its place in the log once it is stored.
 */
export function PendingMessageView(props: { line: PendingMessage; ownName: string }): JSX.Element {
  const chat = useChat();
  const failed = (): boolean => props.line.status === "failed";
  const avatar = (): ReturnType<typeof avatarFor> => avatarFor(props.ownName);
  // Tells the buttons' users which message they act on, as several may have failed.
  const textId = (): string => `pending-${props.line.clientMessageId}`;
  return (
    <div
      class="message-group message-group--own message-group--pending"
      classList={{ "message-group--failed": failed() }}
      style={{ "--hue": String(avatar().hue) }}
    >
      <span class="avatar" aria-hidden="true">
        {avatar().initial}
      </span>
      <div class="message-body">
        <p class="message-meta">
          <bdi class="message-author">{props.ownName}</bdi>
          <span class="own-tag">you</span>
          <Show when={failed()} fallback={<span class="pending-note">Sending…</span>}>
            <span class="pending-note pending-note--failed">Not sent</span>
          </Show>
        </p>
        {/* An article, as every message in the log is. */}
        <article class="message-text" dir="auto" id={textId()}>
          <Show when={props.line.replyTo}>
            {(quote) => (
              <p class="reply-quote">
                <span class="visually-hidden">In reply to </span>
                <bdi class="reply-quote-author">{quote().username}</bdi>
                {": "}
                <span class="reply-quote-text" dir="auto">
                  <MessageText text={quote().text} />
                </span>
              </p>
            )}
          </Show>
          <MessageText text={props.line.text} />
        </article>
        <Show when={failed()}>
          <p class="pending-error">{props.line.error}</p>
          <div class="pending-actions">
            <button type="button" class="button button--quiet" aria-describedby={textId()} onClick={() => chat.retry(props.line.clientMessageId)}>
              Retry
            </button>
            <button type="button" class="button button--quiet" aria-describedby={textId()} onClick={() => chat.discard(props.line.clientMessageId)}>
              Discard
            </button>
          </div>
        </Show>
      </div>
    </div>
  );
}
