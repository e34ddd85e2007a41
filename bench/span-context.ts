// What making the task's span the active context costs per handler or step callback (FrameTracer.within,
// lib/session/traces.ts), in ns: with no tracer provider (the no-op task span: `run` is called as it is), then with
// the SDK's BasicTracerProvider (spans dropped) under the API's default context manager and under the SDK's
// AsyncLocalStorageContextManager; a plain call for scale.
// Run: node --import tsx bench/span-context.ts [iterations, default 1000000]
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider, NoopSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { loadTracing } from "../lib/session/traces.ts";

const iterations = Number(process.argv[2] ?? 1_000_000);
const tracing = await loadTracing();
if (tracing === undefined) throw new Error("@opentelemetry/api is not installed");
const spans = tracing.forSession("session", "thread");
let sink = 0;
const run = () => {
  sink += 1;
  return sink;
};

function nsPer(label: string, call: () => unknown): void {
  for (let i = 0; i < 10_000; i++) call(); // warm up
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) call();
  console.log(`${label}: ${(Number(process.hrtime.bigint() - start) / iterations).toFixed(1)} ns per call`);
}

nsPer("a plain call", run);
spans.record({ type: "task_start", taskId: "t1" });
nsPer("within, no provider", () => spans.within(undefined, run, undefined));
spans.record({ type: "task_end", taskId: "t1" });
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new NoopSpanProcessor()] }));
spans.record({ type: "task_start", taskId: "t2" });
nsPer("within, a provider, no context manager", () => spans.within(undefined, run, undefined));
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
nsPer("within, a provider, AsyncLocalStorageContextManager", () => spans.within(undefined, run, undefined));
if (sink === 0) throw new Error("nothing ran");
