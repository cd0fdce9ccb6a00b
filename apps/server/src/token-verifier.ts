/**
 * Checks the JWT a client sends as `connectionParams.token` and says whom it names. The key is
 * read once, when the server starts; each token is then checked against that key's one algorithm.
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import { errors, importSPKI, jwtVerify, type CryptoKey, type JWTPayload, type JWTVerifyOptions } from "jose";
import { ConfigError, type Config } from "./config.js";

/** Who a valid token names, and until when. */
export interface VerifiedToken {
  /** The person's name (`name`, else `preferred_username`, else `sub`), trimmed, never empty. */
  name: string;
  /** The token's `sub`, or the name when it has none: what stays the same if a person is renamed. */
  subject: string;
  /** When the token expires (its `exp`, in ms since the epoch), or null when it never does. */
  expiresAt: number | null;
}

/** Checks one token: resolves with whom it names, or rejects with a `TokenRejected`. */
export type TokenVerifier = (token: string) => Promise<VerifiedToken>;

/** The settings a token verifier is built from. */
export type AuthConfig = Pick<Config, "AUTH_JWT_SECRET" | "AUTH_JWT_PUBLIC_KEY" | "AUTH_JWT_ISSUER" | "AUTH_JWT_AUDIENCE">;

/** Why a token was refused: `expired` closes with 4001 "token expired", anything else is `invalid`. */
export type TokenRejectedReason = "expired" | "invalid";

const MESSAGES: Record<TokenRejectedReason, string> = {
  expired: "Your sign-in has expired; sign in again.",
  invalid: "Your sign-in token is not valid.",
};

/**
 * A refused token. Its message is for the person signing in; `detail` is for the log: jose's error
 * code and the claim at fault, never jose's message, which can quote the token's own header.
 */
export class TokenRejected extends Error {
  override readonly name = "TokenRejected";

  constructor(
    readonly reason: TokenRejectedReason,
    readonly detail: string,
    message = MESSAGES[reason],
  ) {
    super(message);
  }
}

/**
 * Leeway for `exp` and `nbf`, in seconds: the issuer's clock and this server's differ a little, and
 * a token minted a moment "in the future" should not bounce; 5 s stretches a token's life too
 * little to matter.
 */
const CLOCK_TOLERANCE_SECONDS = 5;

type Algorithm = "HS256" | "RS256" | "ES256";

/**
 * Builds the verifier the settings describe, or null when no secret or public key is set. Async
 * because the public key is imported once here; a key that cannot be used throws a `ConfigError`.
 */
export async function tokenVerifierFrom(config: AuthConfig): Promise<TokenVerifier | null> {
  const verification = await verificationKey(config);
  if (verification === null) return null;
  const { key, algorithm } = verification;
  const options: JWTVerifyOptions = {
    // Exactly one algorithm, so a token cannot pick how it is checked: an HS256 token "signed" with
    // the public key's PEM text, or `alg: none`, is refused before its signature is looked at.
    algorithms: [algorithm],
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
    issuer: config.AUTH_JWT_ISSUER,
    audience: config.AUTH_JWT_AUDIENCE,
  };
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key, options));
    } catch (error) {
      throw rejection(error);
    }
    const name = nameIn(payload);
    if (name === null) throw new TokenRejected("invalid", "no name, preferred_username or sub claim", "The sign-in token names nobody.");
    return {
      name,
      subject: typeof payload.sub === "string" && payload.sub !== "" ? payload.sub : name,
      expiresAt: payload.exp === undefined ? null : payload.exp * 1000,
    };
  };
}

async function verificationKey(config: AuthConfig): Promise<{ key: CryptoKey | Uint8Array; algorithm: Algorithm } | null> {
  // The secret's UTF-8 bytes, which is what issuers sign with when given a string secret (jose,
  // jsonwebtoken); config.ts holds it to 32 characters, so at least 32 bytes.
  if (config.AUTH_JWT_SECRET !== undefined) return { key: new TextEncoder().encode(config.AUTH_JWT_SECRET), algorithm: "HS256" };
  if (config.AUTH_JWT_PUBLIC_KEY === undefined) return null;
  const algorithm = algorithmFor(config.AUTH_JWT_PUBLIC_KEY);
  return { key: await importSPKI(config.AUTH_JWT_PUBLIC_KEY, algorithm), algorithm };
}

/** The one algorithm a public key is used with, or a `ConfigError` for a key the chat does not take. */
function algorithmFor(pem: string): Algorithm {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new ConfigError("AUTH_JWT_PUBLIC_KEY could not be read as a PEM public key");
  }
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === "rsa") {
    // jose refuses RSA keys under 2048 bits at each verification; refuse them at start instead.
    if ((details?.modulusLength ?? 0) < 2048) throw new ConfigError("AUTH_JWT_PUBLIC_KEY is an RSA key under 2048 bits; RS256 needs 2048 or more");
    return "RS256";
  }
  if (key.asymmetricKeyType === "ec" && details?.namedCurve === "prime256v1") return "ES256";
  const kind = key.asymmetricKeyType === "ec" ? `an EC key on ${details?.namedCurve ?? "an unknown curve"}` : `a key of type ${key.asymmetricKeyType ?? "unknown"}`;
  throw new ConfigError(`AUTH_JWT_PUBLIC_KEY is ${kind}; it must be an RSA key (RS256) or an EC key on P-256 (ES256)`);
}

/** What a failed `jwtVerify` means for the person; an error that is not jose's is a bug, and stays one. */
function rejection(error: unknown): unknown {
  if (error instanceof errors.JWTExpired) return new TokenRejected("expired", error.code);
  if (error instanceof errors.JWTClaimValidationFailed) return new TokenRejected("invalid", `${error.code} (${error.claim})`);
  if (error instanceof errors.JOSEError) return new TokenRejected("invalid", error.code);
  return error;
}

/** The first of `name`, `preferred_username` and `sub` that is a string with more than spaces, trimmed. */
function nameIn(payload: JWTPayload): string | null {
  for (const claim of [payload["name"], payload["preferred_username"], payload.sub]) {
    if (typeof claim === "string" && claim.trim() !== "") return claim.trim();
  }
  return null;
}
