// `chatwire init`: a new folder gets a whole project; a folder with a package.json keeps its own fields and scripts;
// a folder with an app is left alone. (The consumer test, spec/package, runs the project it makes.)
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { initProject } from "../../lib/cli/init.ts";

function folder(t: TestContext, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "chatwire-init-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const read = (dir: string, name: string) => readFileSync(join(dir, name), "utf8");
const manifest = (dir: string) => JSON.parse(read(dir, "package.json")) as Record<string, Record<string, string>>;

test("a new folder gets package.json, the app, its test, tsconfig.json, .gitignore and a .env with fresh secrets", async (t) => {
  const dir = join(folder(t), "My Bot");
  const result = await initProject(dir);
  assert.deepEqual(result.written, ["package.json", "app.ts", "app.test.ts", "tsconfig.json", ".gitignore", ".env"]);
  const written = manifest(dir);
  assert.equal(written.name, "my-bot");
  assert.equal(written.type, "module");
  assert.equal(written.scripts?.start, "chatwire run app.ts --env-file .env");
  assert.equal(written.scripts?.test, "node --import tsx --test *.test.ts");
  assert.match(written.dependencies?.chatwire ?? "", /^\^\d+\.\d+\.\d+$/);
  assert.deepEqual(Object.keys(written.devDependencies ?? {}).sort(), ["@types/node", "tsx", "typescript"]);
  assert.match(read(dir, ".gitignore"), /^\.env$/m);
  const env = read(dir, ".env");
  assert.match(env, /^CHATWIRE_AUTH_SECRET=[\w-]{43}$/m);
  assert.match(env, new RegExp(`^CHAT_PASSWORD=${result.password}$`, "m"));
  const again = await initProject(join(folder(t), "other"));
  assert.notEqual(again.password, result.password, "every project gets its own password");
});

test("a folder with a package.json keeps its fields, its scripts and its .gitignore lines; npm init's placeholders go", async (t) => {
  const npmInit = {
    name: "shop",
    version: "2.0.0",
    type: "commonjs",
    scripts: { test: 'echo "Error: no test specified" && exit 1', start: "node server.mjs" },
    dependencies: { chatwire: "file:../chatwire.tgz" },
  };
  const dir = folder(t, { "package.json": JSON.stringify(npmInit), ".gitignore": "dist\nnode_modules/\n" });
  const result = await initProject(dir);
  const merged = manifest(dir);
  assert.equal(merged.name, "shop");
  assert.equal(merged.version, "2.0.0");
  assert.equal(merged.type, "module", "no JavaScript in the folder yet: it becomes an ES module project");
  assert.equal(merged.scripts?.start, "node server.mjs");
  assert.equal(merged.scripts?.test, "node --import tsx --test *.test.ts");
  assert.equal(merged.dependencies?.chatwire, "file:../chatwire.tgz");
  assert.deepEqual(result.kept, ['"start" script']);
  assert.equal(read(dir, ".gitignore"), "dist\nnode_modules/\n.chatwire/\n.env\n");
});

test("a CommonJS project with code, or a folder with an app already, is refused and nothing is written", async (t) => {
  const commonjs = folder(t, { "package.json": '{"type":"commonjs"}', "index.js": "module.exports = 1;\n" });
  await assert.rejects(initProject(commonjs), /"type": "commonjs" and index\.js is there/);
  assert.equal(read(commonjs, "package.json"), '{"type":"commonjs"}');

  const taken = folder(t, { "app.ts": "// mine\n" });
  await assert.rejects(initProject(taken), /already has app\.ts: nothing was written/);
  assert.equal(read(taken, "app.ts"), "// mine\n");
  assert.throws(() => read(taken, "package.json"), /ENOENT/);
});
