// The schemas generated at build time (bin/build-schemas.ts) are the declared ones: the committed file is what the
// generator writes from the declarations as they are now, and each generated schema has every property of its
// typebox declaration, typebox's hidden markers included (non-enumerable, as typebox defines them).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { Compile } from "typebox/compile";
import { generatedSchemasFile, generateSchemas } from "../../bin/build-schemas.ts";
import { ErrorCode } from "../../lib/protocol/error-code.ts";
import { shippedSchemas as generated } from "../../lib/protocol/schemas.generated.ts";
import { shippedSchemas as declared } from "../../lib/protocol/shipped-schemas.ts";

/** Asserts two values have the same own properties with the same descriptors (enumerability too), all the way down. */
function assertSameProperties(actual: unknown, expected: unknown, path: string): void {
  if (typeof expected !== "object" || expected === null) {
    assert.equal(actual, expected, path);
    return;
  }
  assert.ok(typeof actual === "object" && actual !== null, `${path}: not an object`);
  assert.equal(Array.isArray(actual), Array.isArray(expected), `${path}: array or not`);
  assert.deepEqual(Object.getOwnPropertyNames(actual).sort(), Object.getOwnPropertyNames(expected).sort(), path);
  for (const key of Object.getOwnPropertyNames(expected)) {
    const want = Object.getOwnPropertyDescriptor(expected, key);
    const got = Object.getOwnPropertyDescriptor(actual, key);
    assert.equal(got?.enumerable, want?.enumerable, `${path}/${key}: enumerable`);
    assert.equal(got?.writable, want?.writable, `${path}/${key}: writable`);
    assertSameProperties(got?.value, want?.value, `${path}/${key}`);
  }
}

test("lib/protocol/schemas.generated.ts is what bin/build-schemas.ts writes from the declarations", () => {
  assert.equal(readFileSync(generatedSchemasFile, "utf8"), generateSchemas(), "run npm run build and commit the file");
});

test("every generated schema has its declaration's properties, typebox's hidden markers included", () => {
  assertSameProperties(generated, declared, "shippedSchemas");
  // The markers are there, hidden: a frame's `~kind` and an optional field's `~optional`.
  const hello = generated.frames.hello;
  assert.equal((hello as unknown as Record<string, unknown>)["~kind"], "Object");
  assert.ok(!Object.keys(hello).includes("~kind"));
  assert.equal(JSON.stringify(generated.routes.LoginBody), JSON.stringify(declared.routes.LoginBody));
});

test("the generated schemas work as typebox schemas: compiled, they check as the declarations do", () => {
  const samples = [{ username: "ada", password: "pw" }, { username: "", password: "pw" }, { username: "ada" }, null];
  const ours = Compile(generated.routes.LoginBody);
  const theirs = Compile(declared.routes.LoginBody);
  for (const sample of samples) {
    assert.equal(ours.Check(sample), theirs.Check(sample), JSON.stringify(sample));
    assert.deepEqual([...ours.Errors(sample)], [...theirs.Errors(sample)], JSON.stringify(sample));
  }
  // `ErrorCode` of "chatwire" is the generated copy: the same codes as declared.
  assert.deepEqual(ErrorCode.enum, declared.errorCode.enum);
  assert.ok(Compile(ErrorCode).Check("BAD_FRAME") && !Compile(ErrorCode).Check("NOPE"));
});
