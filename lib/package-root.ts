// Where chatwire's own files are, whether this code runs from lib/ (sources) or from dist/ (the bundle).
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The directory of chatwire's package.json, found by walking up from `from` (a module URL). */
export function packageRoot(from: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(from));
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "chatwire") {
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error("chatwire's package.json was not found above its own module");
    dir = parent;
  }
}
