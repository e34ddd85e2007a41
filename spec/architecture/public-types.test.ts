// Every named type in a public signature can be named by its user: for each entry ("chatwire", "chatwire/testing",
// "chatwire/protocol"), the types its exports mention — parameters, results, members, type arguments, all the way
// down — are exported from that same entry. chatwire/testing is used beside "chatwire" (whose ChatContext its fake
// contexts are) and "chatwire/protocol" (whose frames they record), so it may lean on theirs. Read with the
// TypeScript checker over lib/.
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { test } from "node:test";
import ts from "typescript";

const lib = resolve(new URL("../../lib/", import.meta.url).pathname);
const entries = ["index.ts", "testing/index.ts", "protocol/index.ts"];
/** The entries whose exports an entry may use besides its own. */
const leansOn: Record<string, readonly string[]> = { "testing/index.ts": ["index.ts", "protocol/index.ts"] };

const program = ts.createProgram(
  entries.map((entry) => resolve(lib, entry)),
  {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    allowImportingTsExtensions: true,
    noEmit: true,
    strict: true,
    skipLibCheck: true,
    types: ["node"],
  },
);
const checker = program.getTypeChecker();

const inLib = (symbol: ts.Symbol | undefined): boolean =>
  symbol?.declarations?.some((d) => d.getSourceFile().fileName.startsWith(lib) && !ts.isTypeLiteralNode(d)) ?? false;

const resolved = (symbol: ts.Symbol): ts.Symbol =>
  symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;

/** A named declaration a user would have to write the name of: an interface, class, enum or type alias. */
const isNamed = (symbol: ts.Symbol): boolean =>
  (symbol.flags &
    (ts.SymbolFlags.Interface | ts.SymbolFlags.Class | ts.SymbolFlags.Enum | ts.SymbolFlags.TypeAlias)) !==
  0;

/** Whether a member is part of the public shape (not `#private`, `private` or `protected`). */
function isPublicMember(symbol: ts.Symbol): boolean {
  return !(symbol.declarations ?? []).some(
    (d) =>
      (ts.isPropertyDeclaration(d) || ts.isMethodDeclaration(d) || ts.isGetAccessor(d)) &&
      (ts.isPrivateIdentifier(d.name) ||
        (ts.getCombinedModifierFlags(d) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) !== 0),
  );
}

/** The lib-declared named types reachable from `start`'s public signature. */
function namedTypesOf(start: ts.Symbol, location: ts.Node): Set<ts.Symbol> {
  const found = new Set<ts.Symbol>();
  const seen = new Set<ts.Type>();
  const visitSignature = (signature: ts.Signature) => {
    for (const parameter of signature.getParameters()) visit(checker.getTypeOfSymbolAtLocation(parameter, location));
    for (const parameter of signature.getTypeParameters() ?? []) {
      const constraint = parameter.getConstraint();
      if (constraint !== undefined) visit(constraint);
    }
    visit(signature.getReturnType());
  };
  const visit = (type: ts.Type): void => {
    if (seen.has(type)) return;
    seen.add(type);
    for (const argument of type.aliasTypeArguments ?? []) visit(argument);
    const alias = type.aliasSymbol;
    if (alias !== undefined && inLib(alias)) found.add(alias);
    if (type.isUnionOrIntersection()) {
      for (const member of type.types) visit(member);
      return;
    }
    if (type.flags & ts.TypeFlags.Object && (type as ts.ObjectType).objectFlags & ts.ObjectFlags.Reference) {
      for (const argument of checker.getTypeArguments(type as ts.TypeReference)) visit(argument);
    }
    const symbol = type.getSymbol();
    // Outside lib/ (Promise, AbortSignal, fastify…), only the type arguments matter.
    if (!inLib(symbol) && !(alias !== undefined && inLib(alias))) return;
    if (symbol !== undefined && isNamed(symbol) && inLib(symbol)) found.add(symbol);
    for (const property of checker.getPropertiesOfType(type)) {
      if (isPublicMember(property)) visit(checker.getTypeOfSymbolAtLocation(property, location));
    }
    for (const signature of type.getCallSignatures()) visitSignature(signature);
    for (const signature of type.getConstructSignatures()) visitSignature(signature);
  };
  const symbol = resolved(start);
  if (isNamed(symbol)) {
    found.add(symbol);
    visit(checker.getDeclaredTypeOfSymbol(symbol));
  }
  if (symbol.flags & (ts.SymbolFlags.Value | ts.SymbolFlags.Function)) {
    visit(checker.getTypeOfSymbolAtLocation(symbol, location));
  }
  return found;
}

function exportsOf(entry: string): ts.Symbol[] {
  const source = program.getSourceFile(resolve(lib, entry));
  const moduleSymbol = source === undefined ? undefined : checker.getSymbolAtLocation(source);
  return moduleSymbol === undefined ? [] : checker.getExportsOfModule(moduleSymbol);
}

for (const entry of entries) {
  test(`every type named in a public signature of lib/${entry} is exported from it`, () => {
    const source = program.getSourceFile(resolve(lib, entry));
    assert.ok(source, `${entry} not in the program`);
    const exported = exportsOf(entry);
    const names = new Set([entry, ...(leansOn[entry] ?? [])].flatMap(exportsOf).map(resolved));
    assert.ok(exported.length > 5, `${entry} exports ${exported.length} names`);
    const missing = new Map<string, Set<string>>();
    for (const symbol of exported) {
      for (const type of namedTypesOf(symbol, source)) {
        if (names.has(type)) continue;
        const users = missing.get(type.getName()) ?? new Set<string>();
        users.add(symbol.getName());
        missing.set(type.getName(), users);
      }
    }
    const report = [...missing].map(([name, users]) => `${name} (in ${[...users].slice(0, 3).join(", ")})`).sort();
    assert.deepEqual(report, []);
  });
}
