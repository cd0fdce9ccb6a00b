/**
 * Imported first by `main.tsx`. Zod compiles object parsers with `new Function` when it can, and
 * probes for that at schema creation; our CSP (no 'unsafe-eval') blocks the probe and the browser
 * logs a violation on every load. Parsing a few form fields needs no compiled parsers, so the
 * app runs zod without them. It must run before `@chat/api/schema` creates its schemas.
 */
import { config } from "zod";

config({ jitless: true });
