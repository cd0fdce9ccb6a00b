/**
 * A sentence for people from whatever was thrown. tRPC client errors carry the server's own
 * sentence (e.g. "You are sending too fast; try again in 1.2 s."), so `.message` is enough.
 */
export function errorMessage(error: unknown): string {
  if (error instanceof Error && error.message.trim() !== "") return error.message;
  return "Something went wrong; please try again.";
}
