#!/usr/bin/env node
// The CLI, from the compiled library (dist/, made by `npm run build`). TypeScript apps: lib/cli/typescript.ts.
await import("../dist/cli/main.js");
