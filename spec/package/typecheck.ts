// The consumer's TypeScript, on the package as a user installs it (spec/package/project.ts): every export of every
// entry and every ```ts example of README.md and docs/, under the settings a strict user has, with NodeNext and
// bundler resolution (declarations checked under NodeNext), and the scaffold's own tsconfig. TypeScript's answer
// does not depend on the Node that runs it, so CI runs this file once (on Node 20, in `npm test`);
// spec/package/consumer.test.ts runs the package on every Node.
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import type { Consumer, Ran } from "./project.ts";
import { run } from "./project.ts";

interface Manifest {
  readonly exports?: Record<string, string | { readonly types?: string; readonly default?: string }>;
}

/** The public entries ("chatwire", "chatwire/testing", …) and their declaration files. */
function entriesOf(consumer: Consumer): [entry: string, types: string][] {
  const manifest = JSON.parse(readFileSync(join(consumer.installed, "package.json"), "utf8")) as Manifest;
  return Object.entries(manifest.exports ?? {}).flatMap(([entry, target]): [string, string][] =>
    typeof target === "object" && target.types !== undefined
      ? [[entry === "." ? "chatwire" : `chatwire/${entry.slice(2)}`, join(consumer.installed, target.types)]]
      : [],
  );
}

/** The names each entry exports, as TypeScript reads the installed declarations. */
function declaredExports(entries: readonly [string, string][]): Map<string, string[]> {
  const files = entries.map(([, file]) => file);
  const options = { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, types: [] };
  const program = ts.createProgram(files, { ...options, noEmit: true });
  const checker = program.getTypeChecker();
  return new Map(
    entries.map(([entry, file]) => {
      const sourceFile = program.getSourceFile(file);
      const symbol = sourceFile === undefined ? undefined : checker.getSymbolAtLocation(sourceFile);
      return [entry, symbol === undefined ? [] : checker.getExportsOfModule(symbol).map((name) => name.name)];
    }),
  );
}

/** The names each entry exports at run time, imported by node in the consumer's project. */
async function runtimeExports(
  consumer: Consumer,
  entries: readonly [string, string][],
): Promise<Map<string, string[]>> {
  const script = `const names = {};
for (const entry of ${JSON.stringify(entries.map(([entry]) => entry))}) names[entry] = Object.keys(await import(entry));
console.log(JSON.stringify(names));`;
  const ran = await run(process.execPath, ["--input-type=module", "-e", script], { cwd: consumer.project });
  if (ran.code !== 0) throw new Error(`importing the entries failed:\n${ran.output}`);
  const names = JSON.parse(ran.output.trim().split("\n").at(-1) ?? "{}") as Record<string, string[]>;
  return new Map(Object.entries(names));
}

/** Every ```ts block of the installed README.md and docs/*.md, each as its own module. */
function docExamples(consumer: Consumer): Map<string, string> {
  const pages = [
    "README.md",
    ...readdirSync(join(consumer.installed, "docs"))
      .filter((name) => name.endsWith(".md"))
      .map((name) => `docs/${name}`),
  ];
  const examples = new Map<string, string>();
  for (const page of pages) {
    const blocks = readFileSync(join(consumer.installed, page), "utf8").matchAll(/^```ts\n([\s\S]*?)^```$/gm);
    let index = 0;
    for (const block of blocks) {
      index += 1;
      examples.set(`${page.replace(/\W+/g, "-")}-${index}.ts`, `${block[1] ?? ""}\nexport {};\n`);
    }
  }
  return examples;
}

/** The consumer's `tsc` on every export of every entry (values as values, the rest as types) and every doc example,
 * under both module settings, and the scaffold's own `tsc --noEmit`. Started as soon as the project is installed
 * (beside the other tests: it is the slowest part), awaited by its test. */
export async function typecheck(consumer: Consumer): Promise<{ examples: number; runs: Record<string, Ran> }> {
  // Beside the project, not in it (the scaffold's tsconfig.json takes every .ts file under it), sharing its packages.
  const dir = join(consumer.work, "typecheck");
  mkdirSync(dir);
  symlinkSync(join(consumer.project, "node_modules"), join(dir, "node_modules"), "dir");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "typecheck", private: true, type: "module" }));
  const entries = entriesOf(consumer);
  const values = await runtimeExports(consumer, entries);
  const files: string[] = [];
  for (const [entry, names] of declaredExports(entries)) {
    const runtime = values.get(entry) ?? [];
    const types = names.filter((name) => !runtime.includes(name));
    const file = `exports-${entry.replace(/\W+/g, "-")}.ts`;
    const list = (some: readonly string[]) => (some.length === 0 ? "{}" : `{\n  ${some.join(",\n  ")},\n}`);
    const code = `import ${list(runtime)} from "${entry}";\nimport type ${list(types)} from "${entry}";\n`;
    writeFileSync(join(dir, file), `${code}\nexport {};\n`);
    files.push(file);
  }
  const examples = docExamples(consumer);
  for (const [file, code] of examples) {
    writeFileSync(join(dir, file), code);
    files.push(file);
  }
  // The issue's settings (strict, exactOptionalPropertyTypes, skipLibCheck false) and the scaffold's stricter ones.
  const strict = {
    target: "ES2022",
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    verbatimModuleSyntax: true,
    skipLibCheck: false,
    noEmit: true,
  };
  const configs = {
    nodenext: { ...strict, module: "NodeNext", moduleResolution: "NodeNext" },
    // Declarations are checked once, above; bundler resolution only changes which files the imports find, and
    // checking every package's declarations again costs four times the rest of this check.
    bundler: { ...strict, module: "ESNext", moduleResolution: "bundler", skipLibCheck: true },
  };
  const tsc = join(consumer.project, "node_modules", "typescript", "bin", "tsc");
  const runs = Object.entries(configs).map(async ([name, compilerOptions]) => {
    writeFileSync(join(dir, `tsconfig.${name}.json`), JSON.stringify({ compilerOptions, files }, null, 2));
    const ran = await run(process.execPath, [tsc, "-p", `tsconfig.${name}.json`], { cwd: dir, timeoutMs: 600_000 });
    return [name, ran] as const;
  });
  // The scaffold's own tsconfig.json, on its own files.
  const scaffold = run(process.execPath, [tsc, "--noEmit", "-p", "."], { cwd: consumer.project, timeoutMs: 600_000 });
  const done = await Promise.all([...runs, scaffold.then((ran) => ["scaffold", ran] as const)]);
  return { examples: examples.size, runs: Object.fromEntries(done) };
}
