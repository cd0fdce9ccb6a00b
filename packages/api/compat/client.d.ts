// The types of `@chat/api/client`: those of `@chat/client` (see client.js beside this file).
export * from "@chat/client";
