// `npm run build`: bundles the library into dist/ (one file per entry, shared chunks) so that a process starts
// without transpiling TypeScript or opening hundreds of small module files, then builds the playground page.
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { build } from "esbuild";

/** Bundles lib/ into dist/. */
export async function buildLibrary(): Promise<void> {
  await rm("dist", { recursive: true, force: true });
  await build({
    entryPoints: {
      index: "lib/index.ts",
      testing: "lib/testing/index.ts",
      protocol: "lib/protocol/index.ts",
      cli: "lib/cli/main.ts",
      // Registered by the CLI for TypeScript apps (lib/cli/typescript.ts finds it beside cli.js).
      "typescript-hooks": "lib/cli/typescript-hooks.ts",
    },
    outdir: "dist",
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    // Native or optional modules stay outside the bundle; esbuild (a native binary) is loaded on a cache miss only.
    external: ["better-sqlite3", "pg-native", "esbuild"],
    // Bundled CommonJS dependencies call require(); give ESM chunks one.
    banner: {
      js: "import { createRequire as __chatwireRequire } from 'node:module'; const require = __chatwireRequire(import.meta.url);",
    },
    logLevel: "warning",
  });
}

/** Bundles the client entries into dist/: platform-neutral (browsers and Node), without the Node `require` shim,
 * their peers (react, ai) and `ws` left to the user's install. */
export async function buildClients(): Promise<void> {
  await build({
    entryPoints: { client: "lib/client/index.ts", react: "lib/react/index.ts", "ai-sdk": "lib/ai-sdk/index.ts" },
    outdir: "dist",
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    external: ["react", "ai", "ws"],
    logLevel: "warning",
  });
}

await buildLibrary();
await buildClients();
// The playground's own build (playground/build.ts), when the page is there.
const page = new URL("../playground/build.ts", import.meta.url);
if (existsSync(page)) await import(page.href);
