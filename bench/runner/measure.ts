// One repetition of one server: a fresh process, every scenario once, a sample per metric.
import { mkdirSync } from "node:fs";
import { loadavg } from "node:os";
import type { AudioResult } from "../load/audio.ts";
import { busyMicros } from "../load/cpu.ts";
import type { LoadJob, Scenario } from "../load/options.ts";
import type { LatencyResult, ThroughputResult } from "../load/round-trips.ts";
import type { StreamResult } from "../load/stream.ts";
import type { VoiceResult } from "../load/voice.ts";
import { AUDIO_REPORT_EVERY } from "../servers/chatwire-app.ts";
import type { GcTotals } from "../servers/control.ts";
import type { Samples } from "./metrics.ts";
import type { Scenario as Picked, Plan } from "./plan.ts";
import { type LoadHooks, machine, runLoad, type ServerProcess, startServer, startToAccept } from "./process.ts";
import type { Target } from "./targets.ts";

const root = new URL("../..", import.meta.url).pathname;
const resultsDir = `${root}bench/results/`;

/** Where a repetition reports what went wrong without failing. */
export type Note = (text: string) => void;

/** GC pauses (wall-clock) as a share (%) of the time the server's threads were running or runnable between the load
 * generator's `start` and `end` marks, and the major GCs among them. */
export function gcWindow(server: ServerProcess): {
  hooks: LoadHooks;
  share: () => Promise<number>;
  majors: () => Promise<number>;
} {
  const at: Record<string, Promise<{ gc: GcTotals; busy: number }>> = {};
  const onMark = (name: string) => {
    const busy = busyMicros(server.pid);
    const totals = server.gc(name === "start" ? "start" : "stop").then((gc) => ({ gc, busy }));
    // A server too busy to answer within the timeout (its event loop held) must not end the whole run: the
    // rejection is seen by whoever reads the window, or by nobody.
    totals.catch(() => {});
    at[name] = totals;
  };
  const window = async () => {
    if (at.start === undefined || at.end === undefined) return undefined;
    const [start, end] = await Promise.all([at.start, at.end]);
    return { gc: end.gc, busyMicros: end.busy - start.busy };
  };
  const share = async () => {
    const w = await window();
    return w === undefined ? Number.NaN : (w.gc.ms * 1000 * 100) / w.busyMicros;
  };
  const majors = async () => (await window())?.gc.majorCount ?? Number.NaN;
  return { hooks: { onMark }, share, majors };
}

/** Runs every scenario once against one fresh server process, adding a sample per metric for `repetition`. */
export async function measure(target: Target, samples: Samples, repetition: number, plan: Plan, note: Note) {
  const add = (key: string, value: number) => samples.add(target.name, key, value, repetition);
  const wants = (scenario: Picked) => plan.scenarios === undefined || plan.scenarios.includes(scenario);
  add("load.start", loadavg()[0] ?? Number.NaN);
  if (target.start !== undefined && wants("startup")) {
    // In a scratch directory: `chatwire run` persists to .chatwire/ under the current one by default.
    const scratch = `${resultsDir}startup/`;
    mkdirSync(scratch, { recursive: true });
    const args = target.start.map((arg) =>
      arg.startsWith("bench/") || arg.startsWith("bin/") ? `${root}${arg}` : arg,
    );
    const started = await startToAccept(args, scratch);
    add("startup.user", started.ms);
    add("startup.user.cpu", started.cpuMs);
  }
  const server = await startServer(target.script, target.args, target.path);
  const job = { wire: target.wire, url: server.url, serverPid: server.pid, ticksPerSecond: machine.ticksPerSecond };
  const load = <R>(scenario: Scenario, hooks?: LoadHooks) => runLoad<R>({ ...job, ...scenario } as LoadJob, hooks);
  try {
    add("startup", server.startupMs);
    add("uptime", server.uptimeMs);
    // Idle sessions first, on the fresh process, so no earlier scenario's heap growth counts.
    if (wants("idle")) {
      const before = await server.rss();
      let after = before;
      await load(
        { scenario: "idle", connections: plan.idleSessions },
        {
          onConnected: async () => {
            after = await server.rss();
          },
        },
      );
      add("session", (after - before) / 1024 / plan.idleSessions);
    }
    let errors = 0;
    let lost = 0;
    for (const connections of wants("throughput") ? plan.connectionCounts : []) {
      const gc = gcWindow(server);
      const r = await load<ThroughputResult>(
        {
          scenario: "throughput",
          connections,
          inflight: plan.inflight,
          warmupMs: plan.warmupMs,
          measureMs: plan.measureMs,
        },
        gc.hooks,
      );
      add(`rtps@${connections}`, r.roundTripsPerSec);
      add(`cpu@${connections}`, r.cpuMicrosPerRoundTrip);
      add(`share@${connections}`, r.serverCpuShare * 100);
      add(`writes@${connections}`, r.writesPerRoundTrip);
      add(`gc@${connections}`, await gc.share());
      errors += r.errors;
      lost += r.lost;
      if (r.errors > 0)
        note(`${target.name} @${connections} connections: error frames ${JSON.stringify(r.errorCodes)}`);
    }
    if (wants("latency")) {
      const l = await load<LatencyResult>({
        scenario: "latency",
        connections: plan.latencyConnections,
        warmupMs: plan.warmupMs,
        measureMs: plan.measureMs,
      });
      add("p50", l.p50Ms);
      add("p99", l.p99Ms);
      add("p999", l.p999Ms);
    }
    if (wants("stream")) await streams(target, plan, load, add, note);
    if (target.audio && wants("audio")) {
      for (const form of ["binary", "json"] as const) {
        const a = await load<AudioResult>({
          scenario: "audio",
          form,
          totalBytes: plan.audioBytes,
          chunkBytes: plan.audioChunkBytes,
          reportEvery: AUDIO_REPORT_EVERY,
        });
        if (a.bytesReceived !== Math.ceil(plan.audioBytes / plan.audioChunkBytes) * plan.audioChunkBytes) {
          note(`${target.name}: audio (${form}) delivered ${a.bytesReceived} bytes`);
        }
        add(`audio.${form}`, a.megabytesPerSec);
        add(`audiocpu.${form}`, a.cpuMicrosPerMegabyte);
        errors += a.errors;
      }
    }
    if (target.voice && wants("voice")) {
      const v = await load<VoiceResult>({
        scenario: "voice",
        sessions: plan.voiceSessions,
        seconds: plan.voiceSeconds,
      });
      if (v.delivered < 1) note(`${target.name}: voice delivered ${(v.delivered * 100).toFixed(1)}% of the audio`);
      add("voicecpu", v.cpuMicrosPerAudioSecond);
      add("voice.p50", v.p50Ms);
      add("voice.p99", v.p99Ms);
      errors += v.errors;
    }
    add("errors", errors);
    add("lost", lost);
  } finally {
    await server.stop();
    add("load.end", loadavg()[0] ?? Number.NaN);
  }
}

/** The token streams: a fast reader, and (plain ws) a slow one. */
async function streams(
  target: Target,
  plan: Plan,
  load: <R>(scenario: Scenario) => Promise<R>,
  add: (key: string, value: number) => void,
  note: Note,
): Promise<void> {
  const s = await load<StreamResult>({ scenario: "stream", tokens: plan.tokens });
  if (!s.complete) note(`${target.name}: a stream arrived incomplete`);
  add("tokps", s.tokensPerSec);
  add("ttft", s.firstTokenMs);
  add("tokframes", s.tokenFrames);
  add("tokcpu", s.cpuMicrosPerToken);
  if (target.wire === "ws") {
    const slow = await load<StreamResult>({
      scenario: "stream",
      tokens: plan.slowTokens,
      readBytesPerSec: plan.slowReadBytesPerSec,
    });
    if (!slow.complete) note(`${target.name}: a slow reader's stream arrived incomplete`);
    add("slow.tokps", slow.tokensPerSec);
    add("slow.ttft", slow.firstTokenMs);
    add("slow.tokframes", slow.tokenFrames);
  }
}
