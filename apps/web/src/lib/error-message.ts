/**
 * A sentence for people from whatever was thrown. tRPC client errors carry the server's own
 * sentence (e.g. "You are sending too fast; try again in 1.2 s."), so `.message` is enough.
 */
export function errorMessage(error: unknown): string {
  if (error instanceof Error && error.message.trim() !== "") return error.message;
  return "Something went wrong; please try again.";
}

/**
 * The tRPC error code of a refused call (`"CONFLICT"`, `"FORBIDDEN"`, …), or `null` for anything
 * else. Read from the error's shape, since the web app may not import `@trpc/client` itself.
 */
export function errorCode(error: unknown): string | null {
  if (typeof error !== "object" || error === null || !("data" in error)) return null;
  const { data } = error;
  if (typeof data !== "object" || data === null || !("code" in data)) return null;
  return typeof data.code === "string" ? data.code : null;
}
