// Imported first by the library's entry points: on an unsupported Node.js, importing chatwire throws this one
// clear error before any dependency is loaded. The CLI prints it without a stack (lib/cli/require-node.ts).
import { nodeSupportProblem } from "./node-support.ts";

const problem = nodeSupportProblem(process.versions.node);
if (problem !== undefined) throw new Error(problem);
