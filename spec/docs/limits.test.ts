// docs/limits.md and the code agree: every numeric gateway option (and MCP limit) has a row, each row's default is
// the code's, each code it names is an ErrorCode, and each test it cites exists under that title.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { resolveOptions } from "../../lib/gateway/options.ts";
import { createApp } from "../../lib/hooks/registrars.ts";
import { ErrorCode } from "../../lib/protocol/error-codes.ts";
import { resolveMcpPolicy } from "../../lib/session/mcp-policy.ts";

const root = new URL("../../", import.meta.url);
const doc = readFileSync(new URL("docs/limits.md", root), "utf8");
/** The cells of every table row but headers and rules. */
const rows = doc
  .split("\n")
  .filter((line) => line.startsWith("| ") && !line.startsWith("| Limit") && !line.startsWith("| ---"))
  .map((line) =>
    line
      .slice(1, -1)
      .split("|")
      .map((cell) => cell.trim()),
  );
const defaults = resolveOptions({ hooks: createApp().seal() }) as unknown as Record<string, unknown>;

const UNITS: Record<string, number> = { KiB: 1024, MiB: 1024 * 1024, s: 1000, min: 60_000, h: 3_600_000 };

/** The number a Default cell starts with, in bytes or ms: "512 KiB", "24 h", "10,000", "0 (none)". */
function parsedDefault(cell: string): number | undefined {
  const match = /^(\d[\d,]*)\s*(KiB|MiB|s|min|h)?(?![\w^])/.exec(cell);
  if (match === null) return undefined;
  return Number((match[1] ?? "").replaceAll(",", "")) * (match[2] === undefined ? 1 : (UNITS[match[2]] ?? Number.NaN));
}

test("every numeric gateway option and MCP limit has a row in docs/limits.md", () => {
  const numeric = Object.entries(defaults).flatMap(([name, value]) => (typeof value === "number" ? [name] : []));
  const mcp = Object.entries(resolveMcpPolicy()).flatMap(([name, value]) =>
    typeof value === "number" ? [`mcp.${name}`] : [],
  );
  const options = rows.map((cells) => cells[1] ?? "").join(" ");
  assert.deepEqual(
    [...numeric, ...mcp].filter((name) => !options.includes(`\`${name}\``)),
    [],
  );
});

test("each row of one gateway option gives that option's default", () => {
  let checked = 0;
  for (const [, option = "", cell = ""] of rows) {
    const name = /^`(\w+)`$/.exec(option)?.[1];
    const value = name === undefined ? undefined : defaults[name];
    if (typeof value !== "number") continue;
    assert.equal(parsedDefault(cell), value, `${name}: "${cell}"`);
    checked++;
  }
  assert.ok(checked >= 25, `only ${checked} rows checked`);
});

test("every code in the tables is an ErrorCode, and every cited test exists under its title", () => {
  const codes: readonly string[] = ErrorCode.enum;
  for (const cells of rows) {
    for (const [, code = ""] of (cells[3] ?? "").matchAll(/`([A-Z][A-Z_]+)`/g)) {
      assert.ok(codes.includes(code), `${code} is not an ErrorCode`);
    }
  }
  const cited = [...doc.matchAll(/`(spec\/[\w/.-]+\.test\.ts)`: "([^"]+)"/g)];
  assert.ok(cited.length >= rows.length, "a row cites no test");
  for (const [, file = "", title = ""] of cited) {
    const path = new URL(file, root);
    assert.ok(existsSync(path), `${file} does not exist`);
    assert.ok(readFileSync(path, "utf8").includes(title), `${file} has no test "${title}"`);
  }
});
