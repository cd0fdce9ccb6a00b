import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, normalize, sep } from "node:path";

const contentTypes: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".ico": "image/x-icon",
  ".webp": "image/webp",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
  ".webmanifest": "application/manifest+json",
  ".map": "application/json; charset=utf-8",
};

/** Headers that keep the page from being framed, sniffed or leaking its address. */
const htmlHeaders = {
  "Content-Security-Policy":
    "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
  "Cache-Control": "no-cache",
};

/**
 * Serves the SPA's build folder to GET and HEAD requests (the caller answers other methods):
 * files by path, `index.html` for any other path (client-side routes), 404 for anything that
 * would leave the folder. Vite's hashed `assets/` never change, so browsers may keep them for a
 * year; `index.html` is revalidated every time.
 */
export function createStaticHandler(root: string): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const rootDir = normalize(root + sep);
  const indexFile = join(rootDir, "index.html");

  return async (req, res) => {
    const file = resolveFile(rootDir, req.url ?? "/");
    if (file === null) {
      res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" }).end("Not Found\n");
      return;
    }
    // Client-side routes (no extension) get the app; a missing file, such as a stale hashed
    // asset after a deploy, gets a real 404 rather than HTML under a script's name.
    const found = (await isFile(file)) ? file : extname(file) === "" ? indexFile : null;
    if (found === null) {
      res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" }).end("Not Found\n");
      return;
    }
    if (!(await isFile(found))) {
      res.writeHead(503, { "Content-Type": "text/plain; charset=utf-8" }).end("The web app is not built: run `npm run build`.\n");
      return;
    }
    const type = contentTypes[extname(found)] ?? "application/octet-stream";
    const headers: Record<string, string> =
      found.endsWith(".html")
        ? { ...htmlHeaders, "Content-Type": type }
        : {
            "Content-Type": type,
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": found.startsWith(join(rootDir, "assets") + sep) ? "public, max-age=31536000, immutable" : "no-cache",
          };
    res.writeHead(200, headers);
    if (req.method === "HEAD") {
      res.end();
      return;
    }
    const stream = createReadStream(found);
    stream.on("error", () => res.destroy());
    stream.pipe(res);
  };
}

/**
 * The file a URL names inside `rootDir`, or `null` when the URL is malformed or escapes it.
 * Segments are decoded one by one from the path as sent, never through `new URL()`, which
 * would resolve `..` and `%2e%2e` first and so hide an attempt that deserves a 404.
 */
function resolveFile(rootDir: string, url: string): string | null {
  const rawPath = url.split(/[?#]/, 1)[0] ?? "";
  if (!rawPath.startsWith("/")) return null;
  const segments: string[] = [];
  for (const raw of rawPath.split("/")) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return null;
    }
    // An encoded slash or backslash would make one segment two, a NUL ends a path in C, and
    // `..` is refused even when it would stay inside the folder, since no link of ours has one.
    if (segment.includes("/") || segment.includes("\\") || segment.includes("\0") || segment === "..") return null;
    segments.push(segment);
  }
  const file = normalize(join(rootDir, ...segments));
  if (!file.startsWith(rootDir) && file + sep !== rootDir) return null;
  return file;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
