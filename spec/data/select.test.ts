// Choosing the data layer: explicit choices, the SQLite default under the app directory, and DATABASE_URL.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { createDataLayer } from "../../lib/data/select.ts";

const sandbox = (t: { after: (fn: () => void) => void }): string => {
  const dir = mkdtempSync(join(tmpdir(), "chatwire-select-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};

test("false means no persistence", async () => {
  assert.equal(await createDataLayer(false), undefined);
});

test("memory gives a ready in-memory layer", async () => {
  const layer = await createDataLayer("memory");
  assert.equal(layer?.kind, "memory");
  await layer?.createThread({ id: "t1" });
  await layer?.close();
});

test("no choice and no DATABASE_URL: a migrated SQLite file at .chatwire/chatwire.db under the directory", async (t) => {
  const cwd = sandbox(t);
  const layer = await createDataLayer(undefined, { cwd, env: {} });
  assert.equal(layer?.kind, "sqlite");
  await layer?.createThread({ id: "t1" });
  await layer?.close();
  assert.ok(existsSync(join(cwd, ".chatwire", "chatwire.db")));
});

test("{ sqlite: path } is relative to the directory, creating missing folders", async (t) => {
  const cwd = sandbox(t);
  const layer = await createDataLayer({ sqlite: "data/deep/app.db" }, { cwd, env: { DATABASE_URL: "postgres://x" } });
  assert.equal(layer?.kind, "sqlite");
  await layer?.close();
  assert.ok(existsSync(join(cwd, "data", "deep", "app.db")));
});

test("DATABASE_URL selects PostgreSQL (here unreachable, so creating it fails loudly)", async (t) => {
  const cwd = sandbox(t);
  const env = { DATABASE_URL: "postgres://nobody@127.0.0.1:1/none" };
  await assert.rejects(createDataLayer(undefined, { cwd, env }), /ECONNREFUSED/);
  assert.equal(existsSync(join(cwd, ".chatwire")), false);
});

test("a DATABASE_URL that is not PostgreSQL is refused", async (t) => {
  const cwd = sandbox(t);
  await assert.rejects(createDataLayer(undefined, { cwd, env: { DATABASE_URL: "mysql://x" } }), /postgres/);
});

test("a DATABASE_URL or postgres option that is not a PostgreSQL URL is a ChatwireError INVALID_OPTION", async () => {
  const { isChatwireError } = await import("../../lib/errors.ts");
  const invalid = (error: unknown) => isChatwireError(error, "INVALID_OPTION");
  await assert.rejects(
    async () => createDataLayer(undefined, { cwd: tmpdir(), env: { DATABASE_URL: "mysql://x" } }),
    invalid,
  );
  await assert.rejects(async () => createDataLayer({ postgres: "http://x" }), invalid);
});
