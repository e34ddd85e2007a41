// The load generator: runs one scenario (argv[2], a LoadJob as JSON) and prints its result as the last stdout line.
import { audio } from "./audio.ts";
import { idle } from "./idle.ts";
import type { LoadJob } from "./options.ts";
import { latency, throughput } from "./round-trips.ts";
import { stream } from "./stream.ts";
import { voice } from "./voice.ts";

const job = JSON.parse(process.argv[2] ?? "{}") as LoadJob;

async function run(): Promise<unknown> {
  switch (job.scenario) {
    case "throughput":
      return throughput(job);
    case "latency":
      return latency(job);
    case "stream":
      return stream(job);
    case "idle":
      return idle(job);
    case "audio":
      return audio(job);
    case "voice":
      return voice(job);
    default:
      return job satisfies never;
  }
}

try {
  const result = await run();
  process.stdout.write(`${JSON.stringify({ result })}\n`);
  process.exit(0);
} catch (error) {
  process.stdout.write(`${JSON.stringify({ error: error instanceof Error ? error.message : String(error) })}\n`);
  process.exit(1);
}
