// `chatwire init [dir]`: a project that serves, signs in and tests a chatwire app. app.ts, app.test.ts and
// tsconfig.json come from scaffold/ (shipped with the package); package.json, .gitignore and .env are merged into
// what the folder already has (a folder where `npm i chatwire` ran has a package.json), never overwritten.
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { appendFile, copyFile, mkdir, writeFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { packageRoot } from "../package-root.ts";

/** What init did: the files it wrote or changed, and the password to sign in with. */
export interface InitResult {
  readonly dir: string;
  readonly written: readonly string[];
  readonly kept: readonly string[];
  readonly password: string;
}

interface Manifest {
  readonly version: string;
  readonly devDependencies: Readonly<Record<string, string>>;
}

type Json = Record<string, unknown>;

/** An npm package name made from a directory name: lower case, the characters npm allows, never empty. */
const packageName = (dir: string) =>
  basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9._~-]+/g, "-")
    .replace(/^[._-]+|-+$/g, "") || "chatwire-app";

const readJson = (path: string): Json => JSON.parse(readFileSync(path, "utf8")) as Json;
const record = (value: unknown): Json => (typeof value === "object" && value !== null ? (value as Json) : {});

/** The test script `npm init` writes: a placeholder, not the project's own. */
const npmPlaceholder = 'echo "Error: no test specified" && exit 1';

/** The project's package.json with what the scaffold needs added (their own fields and entries win over ours), and
 * the scripts of theirs that were kept instead of ours. */
function mergedManifest(dir: string, existing: Json, chatwire: Manifest): { manifest: Json; keptScripts: string[] } {
  const tool = (name: string) => {
    const range = chatwire.devDependencies[name];
    if (range === undefined) throw new Error(`chatwire's package.json has no devDependency ${name}`);
    return range;
  };
  const scripts: Record<string, string> = {
    start: "chatwire run app.ts --env-file .env",
    test: "node --import tsx --test *.test.ts",
    typecheck: "tsc",
  };
  const theirs = Object.fromEntries(
    Object.entries(record(existing.scripts)).filter(
      ([name, script]) => !(name === "test" && script === npmPlaceholder),
    ),
  );
  const keptScripts = Object.keys(scripts).filter((name) => name in theirs && theirs[name] !== scripts[name]);
  const fresh = existing.name === undefined ? { name: packageName(dir), version: "0.1.0", private: true } : {};
  const manifest = {
    ...fresh,
    type: "module",
    engines: { node: ">=20.12" },
    ...existing,
    scripts: { ...scripts, ...theirs },
    dependencies: { chatwire: `^${chatwire.version}`, ...record(existing.dependencies) },
    devDependencies: {
      "@types/node": tool("@types/node"),
      tsx: tool("tsx"),
      typescript: tool("typescript"),
      ...record(existing.devDependencies),
    },
  };
  return { manifest, keptScripts };
}

/** The lines of `wanted` that `path` lacks (for .env: the keys it does not set), appended; true if any were. */
async function appendMissing(
  path: string,
  wanted: readonly string[],
  keyOf = (line: string) => line,
): Promise<boolean> {
  const have = existsSync(path) ? readFileSync(path, "utf8") : "";
  const present = new Set(have.split("\n").map((line) => keyOf(line.trim())));
  const missing = wanted.filter((line) => line.startsWith("#") || !present.has(keyOf(line)));
  if (missing.every((line) => line.startsWith("#"))) return false;
  await appendFile(path, `${have === "" || have.endsWith("\n") ? "" : "\n"}${missing.join("\n")}\n`);
  return true;
}

/**
 * Writes a new project into `dir` (created if needed), or adds one to the project there. Refuses, writing nothing,
 * when `dir` already has an app.ts or app.test.ts.
 * @example const { password } = await initProject("my-bot"); // my-bot/package.json, app.ts, app.test.ts, .env, …
 */
export async function initProject(dir: string): Promise<InitResult> {
  const target = resolve(dir);
  const taken = ["app.ts", "app.test.ts"].filter((name) => existsSync(join(target, name)));
  if (taken.length > 0) throw new Error(`${target} already has ${taken.join(" and ")}: nothing was written`);
  const root = packageRoot();
  const chatwire = readJson(join(root, "package.json")) as unknown as Manifest;
  const manifestPath = join(target, "package.json");
  const existing = existsSync(manifestPath) ? readJson(manifestPath) : {};
  // `npm init` writes "type": "commonjs"; with no JavaScript in the folder yet, the project becomes an ES module one.
  if (existing.type !== undefined && existing.type !== "module") {
    const scripts = existsSync(target) ? readdirSync(target).filter((name) => /\.c?js$/.test(name)) : [];
    if (scripts.length > 0) {
      throw new Error(
        `${manifestPath} says "type": ${JSON.stringify(existing.type)} and ${scripts[0]} is there; the app is an ES module`,
      );
    }
    existing.type = "module";
  }

  await mkdir(target, { recursive: true });
  const written: string[] = [];
  const kept: string[] = [];
  const { manifest, keptScripts } = mergedManifest(target, existing, chatwire);
  await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  written.push("package.json");
  kept.push(...keptScripts.map((name) => `"${name}" script`));
  for (const name of ["app.ts", "app.test.ts", "tsconfig.json"]) {
    if (existsSync(join(target, name))) kept.push(name);
    else {
      await copyFile(join(root, "scaffold", name), join(target, name));
      written.push(name);
    }
  }
  // npm leaves .gitignore files out of a package: the scaffold's is called gitignore.
  const ignored = readFileSync(join(root, "scaffold", "gitignore"), "utf8")
    .trim()
    .split("\n");
  if (await appendMissing(join(target, ".gitignore"), ignored)) written.push(".gitignore");
  const password = randomBytes(9).toString("base64url");
  const env = [
    "# Read by `npm start` (chatwire run app.ts --env-file .env); variables already in the environment win.",
    `CHATWIRE_AUTH_SECRET=${randomBytes(32).toString("base64url")}`,
    `CHAT_PASSWORD=${password}`,
  ];
  const keyOf = (line: string) => line.split("=")[0] ?? line;
  if (await appendMissing(join(target, ".env"), env, keyOf)) written.push(".env");
  const passwordLine = readFileSync(join(target, ".env"), "utf8").match(/^CHAT_PASSWORD=(.*)$/m);
  return { dir: target, written, kept, password: passwordLine?.[1] ?? password };
}
