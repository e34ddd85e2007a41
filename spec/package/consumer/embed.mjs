// An existing Fastify app of a consumer that adds chatwire, run with plain node by the consumer test: the plugin on
// the app's own Fastify (logging through a pino transport), then chatwire's own createServer. Each finding goes
// into one JSON line on stdout; a check that throws is reported, not fatal, so every finding is seen.
// Usage: node embed.mjs <log file of the app> <log file of createServer>
import { createRequire } from "node:module";
import { chatwire, createApp, createServer } from "chatwire";
import { connectClient } from "chatwire/testing";
import Fastify from "fastify";

const [appLog, serverLog] = process.argv.slice(2);
const transport = (destination) => ({ level: "info", transport: { target: "pino/file", options: { destination } } });
const findings = {};
const check = async (name, work) => {
  try {
    findings[name] = await work();
  } catch (error) {
    findings[name] = { error: String(error?.stack ?? error) };
  }
};

/** The reply to "hi" from the plugin registered with `options` on a new Fastify app of the consumer's. */
async function chatThroughPlugin(options, logger) {
  const chat = createApp();
  chat.onMessage(async (ctx, message) => {
    await ctx.send(`embedded: ${message.content}`);
  });
  const app = Fastify({ logger });
  app.get("/health", async () => ({ ok: true }));
  await app.register(chatwire, { hooks: chat.seal(), ...options });
  await app.listen({ host: "127.0.0.1", port: 0 });
  try {
    const client = await connectClient(app);
    client.send({ type: "user_message", id: "m1", content: "hi" });
    const reply = (await client.until("message_new", 5000)).message.content;
    await client.close();
    return reply;
  } finally {
    await app.close();
  }
}

await check("pluginChat", () => chatThroughPlugin({}, transport(appLog)));
// Options given as undefined take their defaults: "/ws", 10 s for hello, 16 queued tasks.
await check("undefinedOptions", () =>
  chatThroughPlugin({ path: undefined, helloTimeoutMs: undefined, maxQueuedTasks: undefined }, false),
);

// fastify keys an instance's internals by symbols that each copy of its module makes anew (lib/symbols.js): an
// instance made by another copy (one bundled into chatwire) lacks this module's. (Its errors would not tell: they
// compare by code across copies.)
const require = createRequire(import.meta.url);
const { kState } = require("fastify/lib/symbols.js");

await check("createServerIsTheAppsFastify", async () => {
  const server = await createServer({ hooks: createApp().seal(), data: false, playground: false, logger: false });
  await server.ready();
  try {
    return kState in server;
  } finally {
    await server.close();
  }
});

await check("createServerWithTransport", async () => {
  const server = await createServer({
    hooks: createApp().seal(),
    data: false,
    playground: false,
    logger: transport(serverLog),
  });
  await server.listen({ host: "127.0.0.1", port: 0 });
  await server.close();
  return "listened";
});

// Every fastify module file loaded in this process (fastify is CommonJS: Node's require cache holds each one).
findings.fastifyModules = Object.keys(require.cache).filter((path) => /[\\/]fastify[\\/]fastify\.js$/.test(path));

console.log(JSON.stringify(findings));
