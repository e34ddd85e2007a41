#!/usr/bin/env node
// Loads TypeScript (the app and chatwire itself) through tsx, then runs the CLI.
import { register } from "tsx/esm/api";

register();
await import("../lib/cli/main.ts");
