import { SEARCH_QUERY_MAX, searchInputSchema } from "@chat/api/schema";
import { createSignal, type JSX, Show } from "solid-js";
import { errorMessage } from "../lib/error-message";
import { useChat } from "../stores/chat-context";
import { type Found, SearchResults } from "./SearchResults";

/** The query as the server takes it: trimmed, 1–200 characters. */
const querySchema = searchInputSchema.shape.query;

/**
 * Searching a room's messages: Enter runs the search (the server matches each word by its
 * beginning) and the results drop down below the field as a list. Choosing one shows it in the
 * conversation and closes the list; Escape or "Close search results" closes it too.
 */
export function MessageSearch(props: { roomId: string; onChoose: (messageId: string) => Promise<boolean> }): JSX.Element {
  const chat = useChat();
  let field: HTMLInputElement | undefined;
  const [found, setFound] = createSignal<Found | null>(null);
  // What the search is busy with, in words: searching, or loading the conversation back to a result.
  const [busy, setBusy] = createSignal<string | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  // Answers can overtake each other; only the latest search's (or choice's) outcome is shown.
  let latest = 0;
  const fieldId = (): string => `search-${props.roomId}`;
  const open = (): boolean => found() !== null || busy() !== null || error() !== null;

  const close = (): void => {
    latest++;
    setFound(null);
    setBusy(null);
    setError(null);
  };

  const submit = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    // Read from the field itself, which also empties itself (its clear button, Escape).
    const query = field?.value ?? "";
    // An empty box is nothing to look for, not a mistake to point out.
    if (query.trim() === "") {
      close();
      return;
    }
    const parsed = querySchema.safeParse(query);
    if (!parsed.success) {
      setFound(null);
      setError(parsed.error.issues[0]?.message ?? "This search is not valid.");
      return;
    }
    const search = ++latest;
    setBusy("Searching…");
    setError(null);
    try {
      const messages = await chat.search(props.roomId, parsed.data);
      if (search === latest) setFound({ query: parsed.data, messages });
    } catch (failure) {
      if (search === latest) setError(errorMessage(failure));
    } finally {
      if (search === latest) setBusy(null);
    }
  };

  const choose = async (messageId: string): Promise<void> => {
    const choice = ++latest;
    setError(null);
    setBusy("Finding the message in the conversation…");
    const shown = await props.onChoose(messageId);
    // Closed, or searched again, meanwhile: the list now shows something else.
    if (choice !== latest) return;
    setBusy(null);
    if (shown) close();
    else setError("That message could not be shown: it may no longer be kept, or loading failed.");
  };

  return (
    <div
      class="search"
      onKeyDown={(event) => {
        if (event.key !== "Escape" || !open()) return;
        // Closing is all Escape does here: a search field would empty itself too.
        event.preventDefault();
        close();
        field?.focus();
      }}
    >
      <form role="search" class="search-form" onSubmit={(event) => void submit(event)}>
        <label class="visually-hidden" for={fieldId()}>
          Search messages
        </label>
        <input
          ref={(element) => (field = element)}
          id={fieldId()}
          class="search-input"
          type="search"
          name="query"
          placeholder="Search messages"
          autocomplete="off"
          enterkeyhint="search"
          maxlength={SEARCH_QUERY_MAX}
        />
      </form>
      <Show when={open()}>
        <SearchResults found={found()} busy={busy()} error={error()} onChoose={(id) => void choose(id)} onClose={close} />
      </Show>
    </div>
  );
}
