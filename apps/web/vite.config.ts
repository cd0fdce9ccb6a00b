import { defineConfig } from "vite";
import solid from "vite-plugin-solid";

/** Vite config: Solid's JSX, and in dev the tRPC WebSocket proxied to a local server. */
export default defineConfig({
  plugins: [solid()],
  server: {
    proxy: {
      // The app always talks to `/trpc` on its own origin, as in production.
      "/trpc": { target: "http://127.0.0.1:3000", ws: true },
    },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
  },
});
