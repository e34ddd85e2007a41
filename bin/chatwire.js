#!/usr/bin/env node
// The CLI, from the bundled library (dist/, made by `npm run build`). TypeScript apps are loaded through tsx.
await import("../dist/cli.js");
