// What tracing costs per span start (lib/session/traces.ts), in ns: a task with two steps, recorded as frames by
// one session's FrameTracer, (1) with no tracer provider registered (the API's no-op: one non-recording task span,
// no step spans), (2) with the SDK's BasicTracerProvider and a processor that drops spans, and (3) the API's
// no-op startSpan alone, for scale. Run: node --import tsx bench/span-start.ts [iterations, default 1000000]
import { trace } from "@opentelemetry/api";
import { BasicTracerProvider, NoopSpanProcessor } from "@opentelemetry/sdk-trace-base";
import type { OutgoingFrame } from "../lib/protocol/server.ts";
import { loadTracing } from "../lib/session/traces.ts";

const iterations = Number(process.argv[2] ?? 1_000_000);
const started = "2026-01-01T00:00:00.000Z";
const turn: OutgoingFrame[] = [
  { type: "task_start", taskId: "t1" },
  { type: "step", step: { id: "s1", name: "search", type: "tool", start: started } },
  { type: "step", step: { id: "s2", name: "rank", type: "rerank", start: started, parentId: "s1" } },
  { type: "step", step: { id: "s2", name: "rank", type: "rerank", start: started, parentId: "s1", end: started } },
  { type: "step", step: { id: "s1", name: "search", type: "tool", start: started, end: started } },
  { type: "task_end", taskId: "t1" },
];
const SPANS_PER_TURN = 3; // the task and its two steps

async function nsPerSpan(label: string): Promise<void> {
  const tracing = await loadTracing();
  if (tracing === undefined) throw new Error("@opentelemetry/api is not installed");
  const spans = tracing.forSession("session", "thread");
  for (let i = 0; i < 10_000; i++) for (const frame of turn) spans.record(frame); // warm up
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) for (const frame of turn) spans.record(frame);
  const ns = Number(process.hrtime.bigint() - start) / (iterations * SPANS_PER_TURN);
  console.log(`${label}: ${ns.toFixed(1)} ns per span (task or step)`);
}

await nsPerSpan("no provider registered");
const noop = trace.getTracer("bench");
const start = process.hrtime.bigint();
for (let i = 0; i < iterations; i++) noop.startSpan("probe").end();
console.log(
  `the API's no-op startSpan + end alone: ${(Number(process.hrtime.bigint() - start) / iterations).toFixed(1)} ns`,
);
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new NoopSpanProcessor()] }));
await nsPerSpan("SDK provider registered (spans dropped)");
