/**
 * Bundles the compiled client into one module and one declaration file, so the tarball stands
 * alone: the parts of the unpublished `@chat/api` the client needs (the wire limits and close
 * codes at run time, the router's and schemas' types) are copied in, and only real npm packages
 * stay imports.
 */
import { nodeResolve } from "@rollup/plugin-node-resolve";
import { dts } from "rollup-plugin-dts";

/** What a consumer installs from the registry; everything else is bundled. */
const external = [/^@trpc\//, /^superjson$/, /^zod(\/|$)/];

export default [
  {
    input: "dist/modules/index.js",
    output: { file: "dist/index.js", format: "es", sourcemap: true },
    external,
    plugins: [nodeResolve()],
  },
  {
    input: "dist/modules/index.d.ts",
    output: { file: "dist/index.d.ts", format: "es" },
    external,
    // Follow `@chat/api`'s declarations into the bundle instead of leaving an import of it.
    plugins: [dts({ respectExternal: true, tsconfig: "tsconfig.build.json" })],
  },
];
