// `chatwire init [dir]`: a new project that runs and tests a chatwire app. The files come from scaffold/ (shipped
// with the package); package.json is written here, with chatwire's own version and the tools its scripts use.
import { existsSync, readFileSync } from "node:fs";
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { packageRoot } from "../package-root.ts";

/** Scaffold files and the names they get in the project (npm leaves `.gitignore` files out of a package). */
const copied: Readonly<Record<string, string>> = {
  "app.ts": "app.ts",
  "app.test.ts": "app.test.ts",
  "tsconfig.json": "tsconfig.json",
  gitignore: ".gitignore",
};

interface Manifest {
  readonly version: string;
  readonly devDependencies: Readonly<Record<string, string>>;
}

/** An npm package name made from a directory name: lower case, the characters npm allows, never empty. */
const packageName = (dir: string) =>
  basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9._~-]+/g, "-")
    .replace(/^[._-]+|-+$/g, "") || "chatwire-app";

/** The new project's package.json: chatwire, the scripts, and the versions of the tools chatwire is tested with. */
function manifestFor(dir: string, chatwire: Manifest): string {
  const tool = (name: string) => {
    const range = chatwire.devDependencies[name];
    if (range === undefined) throw new Error(`chatwire's package.json has no devDependency ${name}`);
    return range;
  };
  const manifest = {
    name: packageName(dir),
    version: "0.1.0",
    private: true,
    type: "module",
    scripts: {
      start: "chatwire run app.ts",
      test: "node --import tsx --test *.test.ts",
      typecheck: "tsc --noEmit",
    },
    engines: { node: ">=20" },
    dependencies: { chatwire: `^${chatwire.version}` },
    devDependencies: { "@types/node": tool("@types/node"), tsx: tool("tsx"), typescript: tool("typescript") },
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/**
 * Writes a new project into `dir` (created if needed) and returns the paths it wrote. Writes nothing when one of
 * them exists already.
 * @example await initProject("my-bot"); // my-bot/package.json, app.ts, app.test.ts, tsconfig.json, .gitignore
 */
export async function initProject(dir: string): Promise<string[]> {
  const target = resolve(dir);
  const names = ["package.json", ...Object.values(copied)];
  const taken = names.filter((name) => existsSync(join(target, name)));
  if (taken.length > 0) throw new Error(`${target} already has ${taken.join(", ")}: nothing was written`);
  const root = packageRoot();
  const chatwire = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as Manifest;
  await mkdir(target, { recursive: true });
  await writeFile(join(target, "package.json"), manifestFor(target, chatwire));
  for (const [from, to] of Object.entries(copied)) await copyFile(join(root, "scaffold", from), join(target, to));
  return names.map((name) => join(target, name));
}
