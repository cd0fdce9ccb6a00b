import { createSignal, type JSX, Show } from "solid-js";
import { errorMessage } from "../lib/error-message";
import { inviteLink } from "../lib/hash-route";
import { formatLifetime } from "../lib/lifetime";
import { useChat } from "../stores/chat-context";

/** Copies `text`; `false` where the clipboard is missing (an insecure page) or refused (no permission, no focus). */
async function copyToClipboard(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * A private room's invites: "Copy invite link" makes a new one and copies its address (or shows
 * it in a field to copy by hand, where the clipboard is refused), and "Revoke invite links" makes
 * every earlier one stop working. What happened is said in words, politely announced.
 */
export function RoomInvites(props: { roomId: string }): JSX.Element {
  const chat = useChat();
  let linkField: HTMLInputElement | undefined;
  // The action on its way, if any: one at a time, so a revoke cannot overtake the copy before it.
  const [busy, setBusy] = createSignal<"copy" | "revoke" | null>(null);
  const [note, setNote] = createSignal("");
  const [error, setError] = createSignal<string | null>(null);
  // Shown only when copying failed: the link to select and copy by hand.
  const [link, setLink] = createSignal<string | null>(null);
  const fieldId = (): string => `invite-link-${props.roomId}`;

  /** Runs `action` unless another is on its way, clearing what the last one said. */
  const act = async (which: "copy" | "revoke", action: () => Promise<void>): Promise<void> => {
    if (busy() !== null) return;
    setBusy(which);
    setNote("");
    setError(null);
    try {
      await action();
    } catch (failure) {
      setError(errorMessage(failure));
    } finally {
      setBusy(null);
    }
  };

  const copy = (): Promise<void> =>
    act("copy", async () => {
      const { invite, expiresAt } = await chat.createInvite(props.roomId);
      const address = inviteLink(location, props.roomId, invite);
      const lifetime = formatLifetime(expiresAt, Date.now());
      if (await copyToClipboard(address)) {
        setLink(null);
        setNote(`Invite link copied; it works for ${lifetime}.`);
        return;
      }
      setLink(address);
      setNote(`Copy the invite link below; it works for ${lifetime}.`);
      // Selected and focused, so Ctrl+C (or the phone's Copy) is all that is left to do.
      linkField?.focus();
      linkField?.select();
    });

  const revoke = (): Promise<void> =>
    act("revoke", async () => {
      await chat.revokeInvites(props.roomId);
      // The link shown is one of those that just stopped working.
      setLink(null);
      setNote("Invite links revoked; earlier links no longer work, and members stay.");
    });

  return (
    <div class="invites">
      <div class="invite-actions">
        <button type="button" class="button button--quiet" aria-busy={busy() === "copy"} onClick={() => void copy()}>
          Copy invite link
        </button>
        <button type="button" class="button button--quiet" aria-busy={busy() === "revoke"} onClick={() => void revoke()}>
          Revoke invite links
        </button>
      </div>
      <Show when={link()}>
        {(address) => (
          <div class="field invite-field">
            <label for={fieldId()}>Invite link</label>
            <input
              ref={(element) => (linkField = element)}
              id={fieldId()}
              type="text"
              readOnly
              value={address()}
              onFocus={(event) => event.currentTarget.select()}
            />
          </div>
        )}
      </Show>
      <p class="invite-note muted" aria-live="polite">
        {note()}
      </p>
      <p class="form-error" role="alert">
        {error()}
      </p>
    </div>
  );
}
