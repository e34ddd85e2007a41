// docs/errors.md documents exactly the codes of ErrorCode: one `### \`CODE\`` heading each, no more, no fewer.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { ErrorCode } from "../../lib/protocol/error-codes.ts";

const doc = readFileSync(new URL("../../docs/errors.md", import.meta.url), "utf8");
const documented = [...doc.matchAll(/^### `([A-Z0-9_]+)`\s*$/gm)].map((match) => match[1] ?? "");
const codes: readonly string[] = ErrorCode.enum;

test("every ErrorCode has a section in docs/errors.md", () => {
  assert.deepEqual(
    codes.filter((code) => !documented.includes(code)),
    [],
  );
});

test("docs/errors.md documents no code that ErrorCode lacks, and none twice", () => {
  assert.deepEqual(
    documented.filter((code) => !codes.includes(code)),
    [],
  );
  assert.deepEqual(
    documented.filter((code, i) => documented.indexOf(code) !== i),
    [],
  );
});
