// `npm run build`: writes the generated schemas (bin/build-schemas.ts) and validators (bin/build-validators.ts), compiles lib/ into dist/ with tsc
// (tsconfig.build.json): one ES module and one .d.ts per source module, imports of dependencies left as they are
// (nothing bundled), then builds the playground page.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { writeSchemas } from "./build-schemas.ts";
import { writeValidators } from "./build-validators.ts";

const root = new URL("..", import.meta.url);

/** Compiles lib/ into dist/, after removing what an earlier build left there. */
export async function buildLibrary(): Promise<void> {
  await rm(new URL("dist", root), { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  // chatwire/react has its own program (tsconfig.build-react.json): React's types need the DOM's.
  for (const project of ["tsconfig.build.json", "tsconfig.build-react.json"]) {
    const run = spawnSync(process.execPath, [tsc, "-p", project], { cwd: root, stdio: "inherit" });
    if (run.status !== 0) throw new Error(`tsc -p ${project} failed (exit ${run.status})`);
  }
}

writeSchemas();
writeValidators();
await buildLibrary();
// The playground's own build (playground/build.ts), when the page is there.
const page = new URL("../playground/build.ts", import.meta.url);
if (existsSync(page)) await import(page.href);
