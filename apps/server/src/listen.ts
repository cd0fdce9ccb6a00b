/** Opening a listening port as a promise. */
import type { Server } from "node:http";

/** Listens on `port` and `host`; rejects with the server's `error` (a port in use) if it cannot. */
export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}
