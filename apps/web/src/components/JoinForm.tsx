import { roomIdSchema, usernameSchema } from "@chat/api/schema";
import { createEffect, createSignal, type JSX, on } from "solid-js";
import { useChat } from "../stores/chat-context";
import { TextField } from "./TextField";

interface FieldErrors {
  username: string | null;
  room: string | null;
}

const noErrors: FieldErrors = { username: null, room: null };

/** First issue of a failed parse, in the schema's own words. */
function firstIssue(result: { success: boolean; error?: { issues: { message: string }[] } }): string | null {
  if (result.success) return null;
  return result.error?.issues[0]?.message ?? "This value is not valid.";
}

/**
 * The form to join a room under a name, or to create a private one. Both fields are checked with
 * the server's schemas first, so nothing invalid is sent; the name is remembered for the next
 * visit. The server's refusal shows at the name when it is about the name, else under the form.
 */
export function JoinForm(): JSX.Element {
  const chat = useChat();
  let usernameField: HTMLInputElement | undefined;
  let roomField: HTMLInputElement | undefined;
  const [username, setUsername] = createSignal(chat.state.username);
  const [room, setRoom] = createSignal(chat.state.requestedRoomId ?? "");
  const [errors, setErrors] = createSignal<FieldErrors>(noErrors);
  const [isPrivate, setPrivate] = createSignal(false);
  const usernameError = (): string | null => errors().username ?? (chat.state.joinErrorField === "username" ? chat.state.joinError : null);
  const formError = (): string | null => (chat.state.joinErrorField === null ? chat.state.joinError : null);

  // A link to a room that could not be joined by itself (no name known yet) prefills it here.
  createEffect(
    on(
      () => chat.state.requestedRoomId,
      (roomId, previous) => {
        if (roomId === null) {
          // Joined by itself (the name was remembered): the offer is done, so empty the field.
          if (previous !== undefined && previous !== null && room() === previous) setRoom("");
          return;
        }
        setRoom(roomId);
        if (username().trim() === "") usernameField?.focus();
      },
    ),
  );

  const submit = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    const name = usernameSchema.safeParse(username());
    // Trimmed here; the schema itself case-folds, as the server does.
    const roomId = roomIdSchema.safeParse(room().trim());
    setErrors({ username: firstIssue(name), room: firstIssue(roomId) });
    if (!name.success) {
      usernameField?.focus();
      return;
    }
    if (!roomId.success) {
      roomField?.focus();
      return;
    }
    if (await chat.join(roomId.data, name.data, { private: isPrivate() })) {
      setRoom("");
      // Each private room is a choice of its own; the next join is open unless ticked again.
      setPrivate(false);
    } else if (chat.state.joinErrorField === "username") {
      // Focus reads the field's new description (the server's sentence) to screen reader users.
      usernameField?.focus();
    }
  };

  return (
    <section class="join" aria-labelledby="join-heading">
      <h2 id="join-heading" class="section-heading">
        Join a room
      </h2>
      <form class="join-form" novalidate onSubmit={(event) => void submit(event)}>
        <TextField
          id="join-username"
          label="Username"
          name="username"
          autocomplete="username"
          spellcheck={false}
          value={username()}
          error={usernameError()}
          onValue={setUsername}
          ref={(element) => (usernameField = element)}
        />
        <TextField
          id="join-room"
          label="Room"
          name="room"
          autocomplete="off"
          autocapitalize="none"
          spellcheck={false}
          placeholder="e.g. general"
          value={room()}
          error={errors().room}
          onValue={setRoom}
          ref={(element) => (roomField = element)}
        />
        <label class="join-private">
          <input type="checkbox" name="private" checked={isPrivate()} onChange={(event) => setPrivate(event.currentTarget.checked)} />
          Private room
        </label>
        <button type="submit" class="button button--primary join-button" aria-busy={chat.state.joining}>
          Join
        </button>
      </form>
      <p role="alert" class="form-error">
        {formError()}
      </p>
    </section>
  );
}
