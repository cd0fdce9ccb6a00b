import { identitySecretSchema } from "@chat/api/schema";
import { newIdentitySecret } from "@chat/client";
import { type KeyValueStorage, readKey, writeKey } from "./storage";

/** Where the guest secret is kept: one per browser profile, so every tab is the same person. */
export const IDENTITY_KEY = "chat.identity";

/**
 * The secret this browser is known by: the stored one, or a new one stored for next time. Where
 * storage is unavailable the new one lasts as long as the page, so names and private rooms are
 * held until it closes, as a guest would expect of a private window.
 */
export function rememberedIdentity(storage: KeyValueStorage): string {
  // A value edited by hand or left by an older version would be refused by the server for good.
  const stored = identitySecretSchema.safeParse(readKey(storage, IDENTITY_KEY));
  if (stored.success) return stored.data;
  const secret = newIdentitySecret();
  writeKey(storage, IDENTITY_KEY, secret);
  return secret;
}
