/**
 * `@chat/sqlite-broker`: the chat's default `ChatBroker`, on an embedded SQLite database (through
 * `better-sqlite3`), so a single server keeps every message across restarts with no other server
 * to run. Kept out of `@chat/api` so that nothing else gets a native module.
 */
export { DATABASE_FILE } from "./message-store.js";
export { MIGRATIONS, SCHEMA_VERSION, migrate, type Migration } from "./migrations.js";
export { SqliteBroker, type SqliteBrokerOptions } from "./sqlite-broker.js";
