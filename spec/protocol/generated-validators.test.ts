// The validators generated at build time (bin/build-validators.ts) are what the schemas say: the committed file is
// what the generator writes from the schemas as they are now, and on thousands of hostile frames each generated
// check answers as typebox's own compiler does, with typebox's own errors for the frames that fail.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { Compile } from "typebox/compile";
import { generatedFile, generateValidators } from "../../bin/build-validators.ts";
import { checkedSchemas } from "../../lib/protocol/checked-schemas.ts";
import { declaredValidator, frameValidator } from "../../lib/protocol/validators.ts";
import { FrameGenerator } from "../support/fuzz-frames.ts";

test("lib/protocol/validators.generated.ts is what bin/build-validators.ts writes from the schemas", () => {
  assert.equal(readFileSync(generatedFile, "utf8"), generateValidators(), "run npm run build and commit the file");
});

test("every generated frame check agrees with typebox's compiled one, errors included", () => {
  const compiled = new Map(Object.entries(checkedSchemas.frames).map(([type, schema]) => [type, Compile(schema)]));
  const generator = new FrameGenerator(19, { maxFrameBytes: 64 * 1024, maxAudioBytes: 1024 * 1024 });
  const seen = { passed: new Set<string>(), failed: new Set<string>() };
  const frames = [...generator.preHello(200), ...generator.batch(4000)];
  for (const { payload } of frames) {
    if (typeof payload !== "string") continue;
    let value: unknown;
    try {
      value = JSON.parse(payload);
    } catch {
      continue;
    }
    const type = (value as { type?: unknown } | null)?.type;
    if (typeof type !== "string" || !compiled.has(type)) continue;
    const reference = compiled.get(type);
    const ours = frameValidator(type as keyof typeof checkedSchemas.frames);
    const ok = reference?.Check(value);
    assert.equal(ours.Check(value), ok, `${type}: ${payload.slice(0, 200)}`);
    assert.deepEqual([...ours.Errors(value)], [...(reference?.Errors(value) ?? [])], payload.slice(0, 200));
    seen[ok ? "passed" : "failed"].add(type);
  }
  // The fuzzer reached most frame types both ways, so the comparison means something.
  assert.ok(seen.passed.size >= 10 && seen.failed.size >= 10, JSON.stringify([...seen.passed, ...seen.failed]));
});

test("the declared shapes' generated checks agree with typebox's compiled ones", () => {
  const samples: Record<keyof typeof checkedSchemas.declared, unknown[]> = {
    commands: [[], [{ id: "a", description: "b" }], [{ id: "", description: "b" }], [{ id: "a" }], "x"],
    modes: [[], [{ id: "m", name: "M", options: [] }], [{ id: 1 }], Array.from({ length: 17 }, () => ({}))],
    settingsInput: [{ id: "t", type: "switch", label: "T" }, { id: "t", type: "nope" }, {}, null],
    profiles: [[], [{ name: "p", description: "d" }], [{ name: 5 }], [null]],
    starters: [[], [{ label: "l", message: "m" }], [{ label: "l" }], {}],
    user: [{ identifier: "u" }, { identifier: "u", metadata: { a: 1 } }, { identifier: 1 }, {}, []],
  };
  for (const [name, values] of Object.entries(samples)) {
    const key = name as keyof typeof samples;
    const reference = Compile(checkedSchemas.declared[key]);
    const ours = declaredValidator(key);
    let passed = 0;
    for (const value of values) {
      assert.equal(ours.Check(value), reference.Check(value), `${name}: ${JSON.stringify(value)}`);
      assert.deepEqual([...ours.Errors(value)], [...reference.Errors(value)], `${name}: ${JSON.stringify(value)}`);
      if (reference.Check(value)) passed++;
    }
    assert.ok(passed >= 1 && passed < values.length, `${name}: samples on both sides`);
  }
});
