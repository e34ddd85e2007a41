// A step's icon (Chainlit's `@cl.step(icon=...)`) on a real gateway, on SQLite and PostgreSQL: sent in the step
// frames (changed mid-way by `update()`), stored (schema version 10), returned when the thread is reopened and by
// `GET /threads/:id`, and given to Chainlit's clients as the StepDict's `icon`, live and on resume. A step without
// one has none; an icon too long for a frame is the app's bug, thrown where the step starts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createApp, type DataLayer } from "chatwire";
import { connectClient } from "chatwire/testing";
import { io } from "socket.io-client";
import { eventually, startGateway } from "../support/gateway.ts";
import { onSqlLayers } from "../support/layers.ts";

type StepDict = { id: string; name: string; icon?: string; end?: string };

function iconApp(thrown: unknown[]) {
  const chat = createApp();
  chat.headerAuth((headers) => (typeof headers["x-user"] === "string" ? { identifier: headers["x-user"] } : undefined));
  chat.onMessage(async (ctx, message) => {
    if (message.content === "too long") {
      await ctx
        .step({ name: "huge", icon: "x".repeat(2049) }, () => "never")
        .catch((error: unknown) => {
          thrown.push(error);
        });
      return;
    }
    await ctx.step({ name: "search", type: "tool", icon: "search" }, async (step) => {
      await step.step({ name: "fetch", icon: "https://icons.example/fetch.svg" }, () => "page");
      step.icon = "check";
      return "3 hits";
    });
    await ctx.step({ name: "plain" }, () => "no icon");
  });
  return chat;
}

const as = (user: string) => ({ headers: { "x-user": user } });

function iconsOn(layer: () => DataLayer): void {
  test("the icon is sent, stored, reopened, listed by the route and mapped for Chainlit", async (t) => {
    const thrown: unknown[] = [];
    const server = await startGateway(t, {
      hooks: iconApp(thrown).seal(),
      data: layer(),
      protocols: { chainlit: true },
    });
    const ada = await connectClient(server, as("ada"));
    t.after(() => ada.close());
    const threadId = ada.welcome?.threadId ?? "";
    ada.send({ type: "user_message", id: "m1", content: "find it" });
    await ada.until("task_end");
    const frames = ada.received.flatMap((f) => (f.type === "step" ? [f.step] : []));
    assert.deepEqual(
      frames.map((s) => [s.name, s.icon, s.end === undefined ? "start" : "end"]),
      [
        ["search", "search", "start"],
        ["fetch", "https://icons.example/fetch.svg", "start"],
        ["fetch", "https://icons.example/fetch.svg", "end"],
        ["search", "check", "end"],
        ["plain", undefined, "start"],
        ["plain", undefined, "end"],
      ],
    );
    assert.equal("icon" in (frames[4] ?? {}), false, "a step without an icon has no icon field");

    ada.send({ type: "user_message", id: "m2", content: "too long" });
    await ada.until("task_end");
    assert.equal((thrown[0] as { code?: string } | undefined)?.code, "INVALID_HOOK");
    assert.equal(
      ada.received.some((f) => f.type === "step" && f.step.name === "huge"),
      false,
      "the step never went out",
    );
    await ada.close();

    const reopened = await connectClient(server, { ...as("ada"), hello: false });
    t.after(() => reopened.close());
    reopened.send({ type: "hello", protocol: 1, thread: { id: threadId } });
    const history = await reopened.until("thread_history");
    const icons = history.steps.flatMap((s) => (s.kind === "step" ? [[s.name, s.icon]] : []));
    assert.deepEqual(icons, [
      ["search", "check"],
      ["fetch", "https://icons.example/fetch.svg"],
      ["plain", undefined],
    ]);

    const route = await server.inject({ method: "GET", url: `/threads/${threadId}`, headers: as("ada").headers });
    assert.equal(route.statusCode, 200);
    const routeSteps = (route.json().steps as { kind: string; name: string; icon?: string }[]).filter(
      (s) => s.kind === "step",
    );
    assert.deepEqual(
      routeSteps.map((s) => [s.name, s.icon]),
      [
        ["search", "check"],
        ["fetch", "https://icons.example/fetch.svg"],
        ["plain", undefined],
      ],
    );

    // Chainlit's client: the StepDict's icon, live and in the resumed thread.
    const { port } = server.server.address() as { port: number };
    const seen: { event: string; payload: unknown }[] = [];
    const live = io(`http://127.0.0.1:${port}`, {
      path: "/ws/socket.io",
      transports: ["websocket"],
      extraHeaders: as("ada").headers,
      auth: { sessionId: crypto.randomUUID(), threadId: "", clientType: "webapp", userEnv: "{}", chatProfile: "" },
      reconnection: false,
    });
    t.after(() => live.close());
    live.onAny((event: string, payload: unknown) => seen.push({ event, payload }));
    await new Promise<void>((resolve) => live.once("connect", () => resolve()));
    live.emit("connection_successful");
    live.emit("client_message", { message: { id: crypto.randomUUID(), output: "find it" }, fileReferences: null });
    const ended = (name: string) =>
      seen.find(
        (s) => s.event === "update_message" && (s.payload as StepDict).name === name && (s.payload as StepDict).end,
      )?.payload as StepDict | undefined;
    await eventually(() => ended("plain") !== undefined, 3000);
    const started = seen.find((s) => s.event === "new_message" && (s.payload as StepDict).name === "search")
      ?.payload as StepDict;
    assert.equal(started.icon, "search");
    assert.equal(ended("search")?.icon, "check");
    assert.equal(ended("plain")?.icon, undefined);

    const resumed: { event: string; payload: unknown }[] = [];
    const again = io(`http://127.0.0.1:${port}`, {
      path: "/ws/socket.io",
      transports: ["websocket"],
      extraHeaders: as("ada").headers,
      auth: { sessionId: crypto.randomUUID(), threadId, clientType: "webapp", userEnv: "{}", chatProfile: "" },
      reconnection: false,
    });
    t.after(() => again.close());
    again.onAny((event: string, payload: unknown) => resumed.push({ event, payload }));
    await new Promise<void>((resolve) => again.once("connect", () => resolve()));
    again.emit("connection_successful");
    await eventually(() => resumed.some((s) => s.event === "resume_thread"), 3000);
    const dict = resumed.find((s) => s.event === "resume_thread")?.payload as { steps: StepDict[] };
    assert.deepEqual(
      dict.steps.filter((s) => s.name === "search" || s.name === "fetch").map((s) => [s.name, s.icon]),
      [
        ["search", "check"],
        ["fetch", "https://icons.example/fetch.svg"],
      ],
    );
  });
}

onSqlLayers("step icons", iconsOn);
