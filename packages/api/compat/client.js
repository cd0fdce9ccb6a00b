// `@chat/api/client`, kept for code written before the client became its own package: the
// same module as `@chat/client`. Hand-written rather than compiled, because `@chat/client` is
// built from `@chat/api` and so cannot be a build input of it.
export * from "@chat/client";
