import { createSignal, type JSX, Show } from "solid-js";
import { useChat } from "../stores/chat-context";

/**
 * "Notify me when mentioned": while the tab is hidden, a mention of the user raises a browser
 * notification. The browser asks for permission only when this is turned on; if it refuses, the
 * box stays off and says why. Not shown where the browser has no notifications.
 */
export function MentionToggle(): JSX.Element {
  const chat = useChat();
  const [refused, setRefused] = createSignal(false);
  const [asking, setAsking] = createSignal(false);
  const change = async (event: Event & { currentTarget: HTMLInputElement }): Promise<void> => {
    const box = event.currentTarget;
    const wanted = box.checked;
    setAsking(true);
    const on = await chat.setNotifyMentions(wanted);
    setAsking(false);
    box.checked = on;
    setRefused(wanted && !on);
  };
  return (
    <Show when={typeof Notification !== "undefined"}>
      <div class="mention-toggle">
        <label class="checkbox-label">
          <input
            type="checkbox"
            checked={chat.state.notifyMentions}
            aria-describedby="mention-toggle-note"
            aria-busy={asking()}
            onChange={(event) => void change(event)}
          />
          Notify me when mentioned
        </label>
        <p id="mention-toggle-note" class="mention-toggle-note" aria-live="polite">
          {refused() ? "Notifications are blocked for this site in the browser's settings." : ""}
        </p>
      </div>
    </Show>
  );
}
