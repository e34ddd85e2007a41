// Bundles the playground page into playground/dist/ (index.html, host.html, app.js, host.js, pcm-worklet.js,
// style.css).
// Run by `npm run build` (bin/build.ts imports this module) and by the browser tests; importing it builds once.
import { copyFile, mkdir, mkdtemp, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = fileURLToPath(new URL(".", import.meta.url));

/** Where the built page goes: what lib/playground/plugin.ts serves. */
export const distDir = join(here, "dist");

/**
 * Builds the page into a scratch folder, then renames each file into dist/: a server (or a concurrent build in
 * another test process) never reads a half-written file.
 * @example await buildPlayground();
 */
export async function buildPlayground(): Promise<void> {
  await mkdir(distDir, { recursive: true });
  const scratch = await mkdtemp(join(here, ".build-"));
  try {
    await build({
      entryPoints: {
        app: join(here, "src/main.ts"),
        host: join(here, "src/host.ts"),
        // The speaker's AudioWorklet module: its own file, loaded by audioWorklet.addModule from this origin.
        "pcm-worklet": join(here, "../lib/client/pcm-worklet.ts"),
      },
      outdir: scratch,
      bundle: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      minify: true,
      sourcemap: false,
      legalComments: "none",
      logLevel: "warning",
    });
    for (const file of ["index.html", "host.html", "style.css"]) await copyFile(join(here, file), join(scratch, file));
    for (const file of await readdir(scratch)) await rename(join(scratch, file), join(distDir, file));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

await buildPlayground();
