/** The part of `localStorage` the app uses, so tests and private windows can stand in. */
export type KeyValueStorage = Pick<Storage, "getItem" | "setItem">;

/**
 * `localStorage`, or a no-op when it is unavailable: some browsers throw on access in private
 * windows or when storage is disabled, and forgetting a name is better than not starting.
 */
export function browserStorage(): KeyValueStorage {
  try {
    const storage = globalThis.localStorage;
    if (storage !== undefined) return storage;
  } catch {
    // Fall through to the no-op below.
  }
  return { getItem: () => null, setItem: () => undefined };
}

/** Reads a key, treating a throwing storage as empty. */
export function readKey(storage: KeyValueStorage, key: string): string | null {
  try {
    return storage.getItem(key);
  } catch {
    return null;
  }
}

/** Writes a key, ignoring a full or disabled storage. */
export function writeKey(storage: KeyValueStorage, key: string, value: string): void {
  try {
    storage.setItem(key, value);
  } catch {
    // Quota exceeded or storage disabled: the name is simply not remembered.
  }
}
