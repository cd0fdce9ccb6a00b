/**
 * Who a connection is, as far as the server can tell: the person behind a guest secret, a person
 * whose sign-in token the server verified, or nobody in particular (a connection that sent
 * neither, known only for as long as it is open). Names and private rooms are held by identity
 * ids, never by connections, so every tab of one browser is one person.
 */
import { createHash } from "node:crypto";
import { identitySecretSchema } from "../schema.js";

/** A connection's identity; `id` is what name claims and room memberships are held by. */
export type Identity =
  /** A guest secret's holder (`connectionParams.identity`); the id is the secret's hash. */
  | { kind: "guest"; id: string }
  /** A verified sign-in token's person, who may use `name` only, whatever guests claimed. */
  | { kind: "signed-in"; id: string; name: string }
  /** A connection that sent no valid secret: it holds names only while it is open. */
  | { kind: "connection"; id: string }
  /** A connection the server will not serve (`AUTH_REQUIRED`): every call answers `reason`. */
  | { kind: "refused"; id: string; reason: string };

/**
 * The guest a connection's `connectionParams.identity` names, when it is a well-formed secret;
 * else undefined, and the connection is nobody but itself (a malformed secret is not an error:
 * it names nobody), under its session's own `connectionIdentity`.
 */
export function guestIdentity(secret: unknown): Identity | undefined {
  const parsed = identitySecretSchema.safeParse(secret);
  return parsed.success ? { kind: "guest", id: hashed(parsed.data) } : undefined;
}

/** The identity of a connection that is nobody in particular; `connectionId` must be unique per connection. */
export function connectionIdentity(connectionId: string): Identity {
  // ':' is outside base64url, so no connection's id can equal a guest's.
  return { kind: "connection", id: `conn:${connectionId}` };
}

/** The identity of a person whose token the server verified: `subject` names them at the issuer. */
export function signedInIdentity(subject: string, name: string): Identity {
  return { kind: "signed-in", id: `sub:${hashed(subject)}`, name };
}

/** The identity of a connection refused for `reason`, a sentence its every call answers with; it holds nothing. */
export function refusedIdentity(reason: string): Identity {
  return { kind: "refused", id: "refused:", reason };
}

/**
 * SHA-256 in base64url: what the server keeps of a secret (a guest's, an invite's), so its
 * store never holds one that would let a reader act as someone. The secrets are random and at
 * least 128 bits, so a fast hash is enough: there is nothing to guess.
 */
export function hashed(secret: string): string {
  return createHash("sha256").update(secret).digest("base64url");
}
