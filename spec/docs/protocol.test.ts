// docs/protocol.md's JSON examples are real frames: each client example passes the gateway's own validator, and
// each server example matches the ServerFrame schema (a doc cannot show a field the protocol does not have).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { Compile } from "typebox/compile";
import { checkClientFrame } from "../../lib/protocol/check.ts";
import { clientFrameSchemas } from "../../lib/protocol/client.ts";
import { ServerFrame } from "../../lib/protocol/server.ts";

const doc = readFileSync(new URL("../../docs/protocol.md", import.meta.url), "utf8");
const examples = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((match) => JSON.parse(match[1] ?? "") as unknown);
const serverFrame = Compile(ServerFrame);

type Frame = { type: string; seq?: unknown };
const isFrame = (value: unknown): value is Frame =>
  typeof value === "object" && value !== null && typeof (value as Frame).type === "string";
/** Client frames have no `seq`, except `ack`, whose `seq` is the client's acknowledgement. */
const isClient = (frame: Frame) =>
  frame.type in clientFrameSchemas && (frame.seq === undefined || frame.type === "ack");

test("every JSON example in docs/protocol.md is a frame", () => {
  assert.ok(examples.length > 20, `only ${examples.length} examples`);
  for (const example of examples) assert.ok(isFrame(example), JSON.stringify(example));
});

test("client frame examples pass the gateway's validator", () => {
  for (const example of examples.filter(isFrame).filter(isClient)) {
    assert.doesNotThrow(() => checkClientFrame(example), JSON.stringify(example));
  }
});

type Schema = { properties?: Record<string, Schema>; items?: Schema; anyOf?: Schema[] };

/** The first key of `value` that `schema` does not declare (server schemas allow extra keys; docs must not). */
function unknownKey(value: unknown, schema: Schema, path = ""): string | undefined {
  if (schema.anyOf !== undefined) {
    const misses = schema.anyOf.map((member) => unknownKey(value, member, path));
    return misses.includes(undefined) ? undefined : misses[0];
  }
  if (Array.isArray(value) && schema.items !== undefined) {
    for (const [i, item] of value.entries()) {
      const miss = unknownKey(item, schema.items, `${path}/${i}`);
      if (miss !== undefined) return miss;
    }
  }
  if (typeof value === "object" && value !== null && !Array.isArray(value) && schema.properties !== undefined) {
    for (const [key, child] of Object.entries(value)) {
      const declared = schema.properties[key];
      if (declared === undefined) return `${path}/${key}`;
      const miss = unknownKey(child, declared, `${path}/${key}`);
      if (miss !== undefined) return miss;
    }
  }
  return undefined;
}

test("server frame examples match the ServerFrame schema, with no undeclared field", () => {
  for (const example of examples.filter(isFrame).filter((frame) => !isClient(frame))) {
    assert.ok(serverFrame.Check(example), JSON.stringify(example));
    assert.equal(unknownKey(example, ServerFrame as Schema), undefined, JSON.stringify(example));
  }
});

test("every client and server frame type has an example", () => {
  const shown = new Set(
    examples.filter(isFrame).map((frame) => `${isClient(frame) ? "client" : "server"} ${frame.type}`),
  );
  const serverTypes = ServerFrame.anyOf.map((schema) => String(schema.properties.type.const));
  const expected = [
    ...Object.keys(clientFrameSchemas).map((type) => `client ${type}`),
    ...serverTypes.map((type) => `server ${type}`),
  ];
  assert.deepEqual(
    expected.filter((name) => !shown.has(name)),
    [],
  );
});
