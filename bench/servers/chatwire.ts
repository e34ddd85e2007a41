// chatwire's real gateway (createServer, no logger, no playground) running the benchmark app.
// `--data sqlite` turns on the SQLite default data layer (lib/data/select.ts), once the gateway takes it.
import { createServer } from "chatwire";
import { benchApp } from "./chatwire-app.ts";
import { announceReady, benchPort } from "./control.ts";
import { DATA_OPTION } from "./data-module.ts";

// `--data sqlite`: a fresh SQLite file per run (the runner deletes it), through the gateway's data option.
const dataArg = process.argv.indexOf("--data");
const file = process.env.BENCH_DB ?? `bench/results/bench-${process.pid}.db`;
// Without the flag, persistence is off explicitly: createServer's default is SQLite in .chatwire/.
const data: Record<string, unknown> = { [DATA_OPTION]: dataArg === -1 ? false : { sqlite: file } };
// `--not-durable`: durable turns off (issue 25's cost of durability is this server against the default one).
const durable = process.argv.includes("--not-durable") ? { durableTurns: false } : {};
// One load-generator connection sends thousands of frames a second: the per-session rate limit is off. The idle
// scenario holds 10,000 sessions, right at maxSessionsPerNode's default: the node limits are lifted too.
const server = await createServer({
  hooks: benchApp().seal(),
  logger: false,
  playground: false,
  maxFramesPerSecond: 0,
  maxSessionsPerNode: 100_000,
  maxTurnsPerNode: 100_000,
  ...data,
  ...durable,
});
await server.listen({ host: "127.0.0.1", port: benchPort() });
const address = server.server.address();
announceReady(typeof address === "object" && address !== null ? address.port : 0);
