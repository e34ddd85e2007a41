// The consumer's type check (spec/package/typecheck.ts) on the package as a user installs it.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type Consumer, makeConsumer } from "./project.ts";
import { typecheck } from "./typecheck.ts";

describe("chatwire's declarations as a user's TypeScript reads them", () => {
  let consumer: Consumer;

  before(async () => {
    consumer = await makeConsumer();
  });
  after(() => consumer?.remove());

  test("the consumer's tsc (strict, exactOptionalPropertyTypes, skipLibCheck false) accepts every export and docs example, under NodeNext and bundler resolution", async (t) => {
    const { examples, runs } = await typecheck(consumer);
    t.diagnostic(`${examples} examples from docs/ and README.md`);
    assert.ok(examples > 20, `only ${examples} ts examples found`);
    for (const [name, ran] of Object.entries(runs)) {
      const lines = ran.output.split("\n").filter((line) => /error TS\d+/.test(line));
      // Third-party declarations (ai's, @ai-sdk's) are not ours to fix under skipLibCheck false; chatwire's own are.
      const theirs = lines.filter((line) => /node_modules\//.test(line) && !/node_modules\/chatwire\//.test(line));
      if (theirs.length > 0) t.diagnostic(`${name}: ${theirs.length} errors in other packages' declarations`);
      const errors = lines.filter((line) => !theirs.includes(line));
      assert.deepEqual(errors, [], `${name}:\n${ran.output}`);
      if (theirs.length === 0) assert.equal(ran.code, 0, `${name}:\n${ran.output}`);
    }
  });
});
