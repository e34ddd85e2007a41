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
  /** Whether it speaks `/speak S` (output audio, bench/servers/voice.ts). */
  readonly voice: boolean;
  /** How users start it (node arguments), for the spawn-to-accepting measurement, if that is measured. */
  readonly start?: readonly string[];
  /** Why it cannot run in this checkout, if it cannot. */
  readonly unavailable?: () => string | undefined;
}

/** chatwire from another checkout (BENCH_BASELINE, built there), to compare a change with what it changes. */
function baseline(): Target[] {
  const dir = process.env.BENCH_BASELINE;
  if (dir === undefined || dir === "") return [];
  const script = `${dir.replace(/\/$/, "")}/bench/servers/chatwire.ts`;
  const unavailable = () => (existsSync(`${dir}/dist/index.js`) ? undefined : `${dir} is not built (npm run build)`);
  return [
    { name: "chatwire@baseline", script, args: [], path: "/ws", wire: "ws", audio: true, voice: true, unavailable },
    // The same checkout with its SQLite layer, to weigh a change of the write path against the one before it.
    {
      name: "chatwire+sqlite@baseline",
      script,
      args: ["--data", "sqlite"],
      path: "/ws",
      wire: "ws",
      audio: false,
      voice: false,
      unavailable,
    },
  ];
}

/** The floor every ratio and target is taken against: ws with chatwire's write batching. */
export const FLOOR = "ws batched";
/** The floor as it was before issue 19: one write per frame. A reference column. */
export const UNBATCHED = "ws unbatched";
export const CHATWIRE = "chatwire";
export const SQLITE = "chatwire+sqlite";
/** chatwire+sqlite with durable turns off: what durability costs (issue 25). */
export const SQLITE_NOT_DURABLE = "chatwire+sqlite not durable";

export const targets: readonly Target[] = [
  {
    name: FLOOR,
    script: "bench/servers/raw-ws-batched.ts",
    args: [],
    path: "/",
    wire: "ws",
    audio: false,
    voice: true,
    start: ["bench/servers/startup-fastify.js"],
  },
  { name: UNBATCHED, script: "bench/servers/raw-ws.ts", args: [], path: "/", wire: "ws", audio: false, voice: false },
  {
    name: "socket.io",
    script: "bench/servers/socket-io.ts",
    args: [],
    path: "/",
    wire: "socket.io",
    audio: false,
    voice: false,
  },
  {
    name: CHATWIRE,
    script: "bench/servers/chatwire.ts",
    args: [],
    path: "/ws",
    wire: "ws",
    audio: true,
    voice: true,
    start: ["bin/chatwire.js", "run", "bench/servers/startup-app.ts"],
  },
  ...baseline(),
  {
    name: SQLITE,
    script: "bench/servers/chatwire.ts",
    args: ["--data", "sqlite"],
    path: "/ws",
    wire: "ws",
    audio: false,
    voice: false,
    unavailable: persistenceMissing,
  },
  {
    name: SQLITE_NOT_DURABLE,
    script: "bench/servers/chatwire.ts",
    args: ["--data", "sqlite", "--not-durable"],
    path: "/ws",
    wire: "ws",
    audio: false,
    voice: false,
    unavailable: persistenceMissing,
  },
];
