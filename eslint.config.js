// One lint config for the whole repo; each package runs `eslint .` against it.
import eslint from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["**/dist/**", "**/node_modules/**", "**/.turbo/**", "**/test-results/**"] },
  eslint.configs.recommended,
  ...tseslint.configs.strict,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-non-null-assertion": "error",
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-console": "error",
    },
  },
  {
    // The browser app may use the client and the schemas, never server code.
    files: ["apps/web/**/*.{ts,tsx}"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "^@chat/api(?!/schema$)",
              message: "The web app imports @chat/client, and of @chat/api only @chat/api/schema.",
            },
            { regex: "^@trpc/server", message: "The web app talks to the server only through @chat/client." },
          ],
        },
      ],
    },
  },
  {
    // The client package is bundled for browsers and bots: nothing of the server's at run time.
    files: ["packages/client/src/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { regex: "^@chat/api(?!/(close-codes|wire-limits)$)", allowTypeImports: true, message: "The client takes only types, close codes and wire limits from @chat/api." },
            { regex: "^(@trpc/server(?!/observable$)|ws$|ioredis$|node:)", message: "The client runs in browsers: no server runtime." },
          ],
        },
      ],
    },
  },
  {
    files: ["**/*.test.ts", "tests/**/*.ts", "**/examples/**/*.ts", "bench/**/*.ts"],
    rules: { "no-console": "off" },
  },
);
