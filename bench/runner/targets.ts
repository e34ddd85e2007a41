// The servers under test. Adding one is one entry here (and a script in bench/servers/).
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
