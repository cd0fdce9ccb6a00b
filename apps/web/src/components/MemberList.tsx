import { For, type JSX, Show } from "solid-js";

/** Who is in the room, with the reader's own name marked. */
export function MemberList(props: { members: readonly string[]; ownName: string }): JSX.Element {
  return (
    // One element named "Members" (the list), so "the Members list" is never ambiguous.
    <section class="members">
      <h3 class="section-heading">
        Members <span class="member-count">{props.members.length}</span>
      </h3>
      <ul class="member-list" aria-label="Members">
        <For each={props.members}>
          {(name) => (
            <li class="member" classList={{ "member--own": name === props.ownName }}>
              <bdi class="member-name">{name}</bdi>
              <Show when={name === props.ownName}>
                <span class="own-tag">you</span>
              </Show>
            </li>
          )}
        </For>
      </ul>
    </section>
  );
}
