/**
 * Who a new connection is, from its `connectionParams`: a signed-in person when it brings a token
 * the server verifies, a guest when it brings a guest secret, else the connection alone — or
 * refused, when the server requires sign-in (`AUTH_REQUIRED`) or the token does not hold up.
 * Neither the token nor the secret is ever logged.
 */
import { guestIdentity, type Identity, refusedIdentity, signedInIdentity } from "@chat/api";
import { usernameSchema } from "@chat/api/schema";
import { TokenRejected, type TokenVerifier } from "./token-verifier.js";

/** A connection's identity, and until when it holds. */
export interface ConnectionIdentity {
  /** Undefined: nobody but the connection itself (its session's own identity). */
  identity: Identity | undefined;
  /** When the sign-in token runs out (ms since the epoch): the connection is closed then. Null: never. */
  expiresAt: number | null;
  /** The token had already run out: the connection is closed at once, so the client fetches a fresh one. */
  expired: boolean;
}

/** What the server's sign-in settings give. */
export interface IdentityOptions {
  /** Checks sign-in tokens; null when the server has no sign-in (no `AUTH_JWT_*` key). */
  verifyToken: TokenVerifier | null;
  /** `AUTH_REQUIRED`: refuse every connection without a valid token. */
  required: boolean;
}

/** What every call of a connection refused for lack of a sign-in answers. */
const SIGN_IN_REQUIRED = "Sign in to use this chat: it is open to signed-in people only.";

/** Resolves a new connection's `connectionParams` (tRPC's: strings by name, or null) to its identity. */
export async function connectionIdentity(params: Readonly<Record<string, string | undefined>> | null, { verifyToken, required }: IdentityOptions): Promise<ConnectionIdentity> {
  const token = params?.token;
  if (verifyToken !== null && token !== undefined) return signedIn(token, verifyToken);
  return { identity: required ? refusedIdentity(SIGN_IN_REQUIRED) : guestIdentity(params?.identity), expiresAt: null, expired: false };
}

/** A token's person, or a refusal saying why there is none. */
async function signedIn(token: string, verifyToken: TokenVerifier): Promise<ConnectionIdentity> {
  try {
    const verified = await verifyToken(token);
    const name = usernameSchema.safeParse(verified.name);
    if (!name.success) {
      const why = name.error.issues.map((issue) => issue.message).join(" ");
      return { identity: refusedIdentity(`Your sign-in name cannot be used here: ${why}`), expiresAt: null, expired: false };
    }
    return { identity: signedInIdentity(verified.subject, name.data), expiresAt: verified.expiresAt, expired: false };
  } catch (error) {
    if (!(error instanceof TokenRejected)) throw error;
    return { identity: refusedIdentity(error.message), expiresAt: null, expired: error.reason === "expired" };
  }
}
