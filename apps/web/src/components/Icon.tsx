import type { JSX } from "solid-js";

/** The few line icons of the message actions, drawn in the text colour; always decorative. */
const PATHS = {
  react: "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18ZM8.5 14.5a4.5 4.5 0 0 0 7 0M9 9.5h.01M15 9.5h.01",
  reply: "M9 14 4 9l5-5M4 9h10a6 6 0 0 1 6 6v4",
  edit: "M16.5 3.5a2.1 2.1 0 0 1 3 3L8 18l-4 1 1-4Z",
  delete: "M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3",
  close: "M6 6l12 12M18 6 6 18",
} as const;

/** An icon by name; its button carries the words (`aria-label`, `title`). */
export function Icon(props: { name: keyof typeof PATHS }): JSX.Element {
  return (
    <svg
      class="icon"
      viewBox="0 0 24 24"
      width="16"
      height="16"
      fill="none"
      stroke="currentColor"
      stroke-width="2"
      stroke-linecap="round"
      stroke-linejoin="round"
      aria-hidden="true"
    >
      <path d={PATHS[props.name]} />
    </svg>
  );
}
