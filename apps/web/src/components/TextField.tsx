import { type JSX, Show, splitProps } from "solid-js";

/** What a labelled text input takes: its own attributes, plus a label, an error and its value. */
export type TextFieldProps = Omit<JSX.InputHTMLAttributes<HTMLInputElement>, "id" | "value" | "onInput" | "ref"> & {
  /** The input's id; the error's id is derived from it. */
  id: string;
  /** The visible label, which is also the input's accessible name. */
  label: string;
  value: string;
  /** Why the value was refused, shown under the field and announced with it; `null` when fine. */
  error: string | null;
  onValue: (value: string) => void;
  ref?: (element: HTMLInputElement) => void;
};

/** A labelled text input whose error is tied to it for assistive technology. */
export function TextField(props: TextFieldProps): JSX.Element {
  const [own, input] = splitProps(props, ["id", "label", "value", "error", "onValue", "ref"]);
  const errorId = (): string => `${own.id}-error`;
  return (
    <div class="field">
      <label for={own.id}>{own.label}</label>
      <input
        {...input}
        ref={(element) => own.ref?.(element)}
        id={own.id}
        type="text"
        value={own.value}
        aria-invalid={own.error !== null}
        aria-describedby={own.error !== null ? errorId() : undefined}
        onInput={(event) => own.onValue(event.currentTarget.value)}
      />
      <Show when={own.error}>
        {(message) => (
          <p id={errorId()} class="field-error">
            {message()}
          </p>
        )}
      </Show>
    </div>
  );
}
