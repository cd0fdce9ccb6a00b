import type { ChatMessage } from "@chat/client";
import { SEARCH_LIMIT_DEFAULT } from "@chat/api/schema";
import { For, type JSX, Show } from "solid-js";
import { createNow } from "../lib/now";
import { MessageText } from "./MessageText";
import { RelativeTime } from "./RelativeTime";

/** The words a search was made with, and the messages it found, newest first. */
export interface Found {
  query: string;
  messages: readonly ChatMessage[];
}

/** What the results panel is shown from. */
export interface SearchResultsProps {
  /** The last search's results; `null` before any came. */
  found: Found | null;
  /** What is being done, in words ("Searching…"), or `null`. */
  busy: string | null;
  /** Why the search, or showing a result, failed, in words. */
  error: string | null;
  onChoose: (messageId: string) => void;
  onClose: () => void;
}

/** "3 messages match “lake”.", or that none do; the server sends at most `SEARCH_LIMIT_DEFAULT`. */
function summarize(found: Found): string {
  const count = found.messages.length;
  const query = `“${found.query}”`;
  if (count === 0) return `No messages match ${query}.`;
  if (count >= SEARCH_LIMIT_DEFAULT) return `The ${count} newest messages that match ${query}.`;
  return count === 1 ? `1 message matches ${query}.` : `${count} messages match ${query}.`;
}

/**
 * A search's outcome below the search field: a line saying what was found (read out as it
 * changes), then the messages as a list of buttons with author, time and text. Texts are text
 * nodes, as in the log, so markup in a message stays text.
 */
export function SearchResults(props: SearchResultsProps): JSX.Element {
  const now = createNow();
  const summary = (): string => {
    if (props.error !== null) return props.error;
    if (props.busy !== null) return props.busy;
    return props.found === null ? "" : summarize(props.found);
  };
  return (
    <div class="search-results">
      <div class="search-results-head">
        <p class="search-summary" classList={{ "search-summary--error": props.error !== null }} aria-live="polite">
          {summary()}
        </p>
        <button type="button" class="button button--quiet" aria-label="Close search results" onClick={() => props.onClose()}>
          Close
        </button>
      </div>
      <Show when={props.found !== null && props.found.messages.length > 0 ? props.found.messages : undefined}>
        {(messages) => (
          <ul class="search-result-list" aria-label="Search results">
            <For each={messages()}>
              {(message) => (
                <li>
                  <button type="button" class="search-result" onClick={() => props.onChoose(message.id)}>
                    <span class="search-result-meta">
                      <bdi class="search-result-author">{message.username}</bdi>
                      <RelativeTime date={message.sentAt} now={now()} />
                    </span>
                    <span class="search-result-text" dir="auto">
                      <MessageText text={message.text} />
                    </span>
                  </button>
                </li>
              )}
            </For>
          </ul>
        )}
      </Show>
    </div>
  );
}
