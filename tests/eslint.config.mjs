// ESLint for the project's JavaScript (scripts/test, "format and lints"). It lives beside the
// npm packages it needs; run from the repository's root with `--config tests/eslint.config.mjs`,
// so the patterns below are relative to the root.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["**/node_modules/", "target/", "site/dist/"] },
  js.configs.recommended,
  {
    // The pages' scripts: classic scripts, joined into one file per page, that share
    // `window.Elan` (common.js) and the early case request (early-case.js).
    files: ["site/assets/*.js", "handler/src/local/*.js"],
    languageOptions: {
      sourceType: "script",
      ecmaVersion: 2022,
      globals: { ...globals.browser, Elan: "readonly" },
    },
  },
  {
    // The browser tests and the benchmark run in Node; the functions they hand to
    // `page.evaluate` run in the page, so both sets of globals.
    files: ["tests/**/*.mjs", "infra/authorizer/*.mjs"],
    languageOptions: {
      sourceType: "module",
      globals: { ...globals.node, ...globals.browser },
    },
  },
];
