// Chainlit's favorites with socket.io-client against a real server: the list on connect and on fetch_favorites,
// and message_favorite answered with update_message and set_favorites, stored for the user.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createApp, createMemoryLayer } from "chatwire";
import { io } from "socket.io-client";
import { eventually, startGateway } from "../support/gateway.ts";

type StepDict = { id: string; output: string; metadata: { favorite?: boolean } };

test("Chainlit: set_favorites on connect and fetch_favorites; message_favorite stores it and updates the message", async (t) => {
  const chat = createApp();
  chat.headerAuth((headers) => (typeof headers["x-user"] === "string" ? { identifier: headers["x-user"] } : undefined));
  chat.onMessage(async (ctx, message) => {
    await ctx.send(`echo ${message.content}`);
  });
  const layer = createMemoryLayer();
  const server = await startGateway(t, { hooks: chat.seal(), data: layer, protocols: { chainlit: true } });
  const { port } = server.server.address() as { port: number };
  const socket = io(`http://127.0.0.1:${port}`, {
    path: "/ws/socket.io",
    transports: ["websocket"],
    extraHeaders: { "x-user": "ada" },
    auth: { sessionId: crypto.randomUUID(), threadId: "", clientType: "webapp", userEnv: "{}", chatProfile: "" },
    reconnection: false,
  });
  t.after(() => socket.close());
  const seen: { event: string; payload: unknown }[] = [];
  socket.onAny((event: string, payload: unknown) => seen.push({ event, payload }));
  const lists = () => seen.filter((s) => s.event === "set_favorites").map((s) => s.payload as StepDict[]);
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));

  socket.emit("connection_successful");
  await eventually(() => lists().length === 1, 3000);
  socket.emit("fetch_favorites");
  await eventually(() => lists().length === 2, 3000);
  assert.deepEqual(lists(), [[], []]);

  const id = crypto.randomUUID();
  socket.emit("client_message", { message: { id, output: "plan a trip" }, fileReferences: null });
  await eventually(
    () => seen.some((s) => s.event === "new_message" && (s.payload as StepDict).output === "echo plan a trip"),
    3000,
  );
  const step = {
    id,
    threadId: "",
    name: "ada",
    type: "user_message",
    output: "plan a trip",
    createdAt: "",
    metadata: { favorite: true },
  };
  socket.emit("message_favorite", { message: step });
  await eventually(() => lists().length === 3, 3000);
  const updated = seen.find((s) => s.event === "update_message" && (s.payload as StepDict).id === id)
    ?.payload as StepDict;
  assert.equal(updated?.metadata.favorite, true, "the client's message is updated with its flag");
  const [favorite] = lists()[2] ?? [];
  assert.deepEqual([favorite?.output, favorite?.metadata.favorite], ["plan a trip", true]);
  assert.deepEqual(
    (await layer.listFavorites?.("ada"))?.map((m) => m.content),
    ["plan a trip"],
  );
});
