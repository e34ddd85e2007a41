#!/usr/bin/env node
// The CLI, from the compiled library (dist/, made by `npm run build`). TypeScript apps: lib/cli/typescript.ts.
// Node 22.1+ keeps the compiled code of the modules loaded from here on in its compile cache (off with
// NODE_DISABLE_COMPILE_CACHE=1): a later start skips parsing and compiling chatwire's and its dependencies' modules.
import * as nodeModule from "node:module";

nodeModule.enableCompileCache?.();
await import("../dist/cli/main.js");
