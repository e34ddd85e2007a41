// Child process of crash.test.ts and crash-postgres.test.ts (started by spec/support/crash.ts): records a
// conversation into a SQLite file (or a PostgreSQL database), prints "flushed" once flush() resolved, then keeps
// writing until it is killed.
// Usage: node --import tsx spec/data/crash-writer.ts <db path | postgres:// URL>
import { createPostgresLayer } from "../../lib/data/postgres.ts";
import { createRecorder } from "../../lib/data/recorder.ts";
import { createSqliteLayer } from "../../lib/data/sqlite.ts";
import { message } from "./contract.ts";

const path = process.argv[2];
if (path === undefined) throw new Error("usage: crash-writer.ts <db path | postgres:// URL>");
const layer = path.startsWith("postgres://")
  ? createPostgresLayer({ connectionString: path })
  : createSqliteLayer({ path });
await layer.migrate();
const recorder = createRecorder(layer, { onError: (failure) => console.error("lost", failure.reason) });
const at = "2024-05-01T10:00:00.000Z";
const assistant = (id: string, content: string) => message(id, content, { createdAt: at });

recorder.ensureThread({ id: "t1", owner: { identifier: "ada" } });
recorder.recordUserMessage("t1", { id: "u1", content: "Plan my trip", createdAt: at, author: "ada" });
recorder.record("t1", { type: "step", step: { id: "s1", name: "search", type: "tool", input: "Oslo", start: at } });
for (let i = 0; i < 50; i++) recorder.record("t1", { type: "message_new", message: assistant(`m${i}`, `line ${i}`) });
recorder.recordFeedback("t1", { id: "f1", messageId: "m0", value: 1 });
// A stream still open at the flush: what it had so far is part of what flush() makes durable.
recorder.record("t1", { type: "stream_start", message: assistant("live", "") });
for (const token of ["partial ", "answer"]) recorder.record("t1", { type: "stream_token", id: "live", token });
await recorder.flush("t1");
process.stdout.write("flushed\n");

// Go on writing, as a busy gateway would, until SIGKILL arrives mid-write.
let n = 0;
const more = (): void => {
  for (let i = 0; i < 20; i++)
    recorder.record("t1", { type: "message_new", message: assistant(`after-${n}`, `#${n++}`) });
  void recorder.flush("t1").then(() => setImmediate(more));
};
more();
