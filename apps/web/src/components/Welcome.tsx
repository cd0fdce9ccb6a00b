import type { JSX } from "solid-js";

/** The start screen, shown while no room is open. */
export function Welcome(): JSX.Element {
  return (
    <section class="welcome" aria-labelledby="welcome-heading">
      <h2 id="welcome-heading">Welcome to Chat</h2>
      <p>Pick a name and a room to start talking. You can be in several rooms at once.</p>
      <p class="muted">Room names use letters, digits, “-” and “_”; anyone with the name can read along, except in a private room, which takes an invite link.</p>
    </section>
  );
}
