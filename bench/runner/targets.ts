// The servers under test. Adding one is one entry here (and a script in bench/servers/).
import { existsSync } from "node:fs";
import type { Wire } from "../load/link.ts";
import { persistenceMissing } from "../servers/data-module.ts";

/** A server to compare. */
export interface Target {
  readonly name: string;
  readonly script: string;
  readonly args: readonly string[];
  readonly path: string;
  readonly wire: Wire;
  /** Whether it takes chatwire's audio frames. */
  readonly audio: boolean;
  /** How users start it, for the start-up measurement (node arguments), if it has a CLI. */
  readonly cli?: readonly string[];
  /** Why it cannot run in this checkout, if it cannot. */
  readonly unavailable?: () => string | undefined;
}

/** chatwire from another checkout (BENCH_BASELINE, built there), to compare a change with what it changes. */
function baseline(): Target[] {
  const dir = process.env.BENCH_BASELINE;
  if (dir === undefined || dir === "") return [];
  const script = `${dir.replace(/\/$/, "")}/bench/servers/chatwire.ts`;
  const unavailable = () => (existsSync(`${dir}/dist/index.js`) ? undefined : `${dir} is not built (npm run build)`);
  return [{ name: "chatwire@baseline", script, args: [], path: "/ws", wire: "ws", audio: true, unavailable }];
}

/** The floor every ratio is taken against. */
export const FLOOR = "raw ws";

export const targets: readonly Target[] = [
  { name: FLOOR, script: "bench/servers/raw-ws.ts", args: [], path: "/", wire: "ws", audio: false },
  { name: "socket.io", script: "bench/servers/socket-io.ts", args: [], path: "/", wire: "socket.io", audio: false },
  {
    name: "chatwire",
    script: "bench/servers/chatwire.ts",
    args: [],
    path: "/ws",
    wire: "ws",
    audio: true,
    cli: ["bin/chatwire.js", "run", "bench/servers/startup-app.ts"],
  },
  ...baseline(),
  {
    name: "chatwire+sqlite",
    script: "bench/servers/chatwire.ts",
    args: ["--data", "sqlite"],
    path: "/ws",
    wire: "ws",
    audio: false,
    unavailable: persistenceMissing,
  },
];
