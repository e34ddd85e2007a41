// Runs chatwire's tests with Node's test runner, one file at a time: `node spec/run.js [--no-browser]
// [--no-typecheck]`. Node 22.18 and later strip the tests' types themselves; older ones load them through tsx (about
// 0.4 s of CPU for every test process, a minute and more for the suite).
//   --no-browser    leaves out spec/playground/ (the tests that drive the playground in Chromium)
//   --no-typecheck  leaves out the files that only ask TypeScript about the code (the consumer's tsc on the packed
//                   package, the architecture checks): TypeScript's answer is the same on every Node, so CI runs
//                   them once, on Node 20, and the other Nodes' legs skip them.
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";

const options = new Set(process.argv.slice(2));
const unknown = [...options].filter((option) => !["--no-browser", "--no-typecheck"].includes(option));
if (unknown.length > 0) {
  console.error(`spec/run.js: unknown option ${unknown.join(" ")} (known: --no-browser, --no-typecheck)`);
  process.exit(2);
}

const typecheckOnly = ["spec/package/types.test.ts", "spec/architecture/"];
const folders = [
  "spec",
  ...readdirSync("spec", { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? [`spec/${entry.name}`] : [],
  ),
];
// The files that keep both cores busy on their own (Chromium's processes; the consumer's three tsc programs) go
// last: in CI the other Nodes' legs have ended by then and left the machine to this one.
const weight = (file) =>
  typecheckOnly.some((prefix) => file.startsWith(prefix)) ? 2 : file.startsWith("spec/playground/") ? 1 : 0;
const files = folders
  .flatMap((folder) =>
    readdirSync(folder)
      .filter((name) => name.endsWith(".test.ts"))
      .map((name) => `${folder}/${name}`),
  )
  .filter((file) => !(options.has("--no-browser") && file.startsWith("spec/playground/")))
  .filter((file) => !(options.has("--no-typecheck") && typecheckOnly.some((prefix) => file.startsWith(prefix))))
  .sort((a, b) => weight(a) - weight(b) || (a < b ? -1 : 1));

const loader = process.features.typescript ? [] : ["--import", "tsx"];
const runner = spawn(process.execPath, [...loader, "--test", "--test-concurrency=1", ...files], { stdio: "inherit" });
runner.on("exit", (code, signal) => process.exit(code ?? (signal === null ? 1 : 128)));
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => runner.kill(signal));
