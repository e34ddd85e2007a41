// Imported first by the CLI: on an unsupported Node.js, `chatwire run` says so in one line and exits 1 before
// anything else is loaded (the library itself throws instead: lib/runtime/require-node.ts).
import { nodeSupportProblem } from "../runtime/node-support.ts";

const problem = nodeSupportProblem(process.versions.node);
if (problem !== undefined) {
  console.error(problem);
  process.exit(1);
}
