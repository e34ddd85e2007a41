// Idle sessions: open them, tell the runner (which measures the server's RSS), hold them until told to let go.
import { createInterface } from "node:readline";
import { closeAll, connect, connectMany } from "./link.ts";
import { CONNECTED } from "./marks.ts";
import type { IdleJob } from "./options.ts";

/** Opens the sessions, prints CONNECTED, and closes them at the first stdin line (or after 120 s). */
export async function idle(job: IdleJob): Promise<{ readonly sessions: number; readonly connectMs: number }> {
  const start = performance.now();
  const links = await connectMany(job.connections, () => connect(job.wire, job.url, () => {}, 30_000));
  const connectMs = performance.now() - start;
  process.stdout.write(`${CONNECTED}\n`);
  const lines = createInterface({ input: process.stdin });
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 120_000);
    lines.once("line", () => {
      clearTimeout(timer);
      resolve();
    });
  });
  lines.close();
  await closeAll(links);
  return { sessions: links.length, connectMs };
}
