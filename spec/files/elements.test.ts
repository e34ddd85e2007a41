// Elements a handler sends, on SQLite and PostgreSQL: bytes, a server path, text and props, served at signed URLs;
// sent on their own, updated live, removed; the sidebar; stored with the thread and gone with it.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { createApp, type DataLayer } from "chatwire";
import { connectClient } from "chatwire/testing";
import { startGateway } from "../support/gateway.ts";
import { onS3Layers, onSqlLayers } from "../support/layers.ts";
import { httpBase, PNG } from "./support.ts";

const dir = mkdtempSync(join(tmpdir(), "chatwire-elements-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const pdfPath = join(dir, "report.pdf");
writeFileSync(pdfPath, "%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n");

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function elementsOn(layer: () => DataLayer): void {
  test("a message's elements: bytes, a server path, text and props, each served or carried typed", async (t) => {
    const chat = createApp();
    chat.onMessage(async (ctx) => {
      await ctx.send({
        content: "here",
        elements: [
          { name: "cat.png", content: PNG },
          { name: "report.pdf", path: pdfPath, display: "side" },
          { name: "notes.txt", content: "plain words" },
          { name: "Sales", kind: "dataframe", props: { columns: ["q", "n"], rows: [["Q1", 3]] } },
          { name: "Chart", kind: "plotly", props: { data: [{ x: [1], y: [2] }] } },
          { name: "Remote", url: "https://example.com/a.png", mime: "image/png" },
        ],
      });
    });
    const server = await startGateway(t, { hooks: chat.seal(), data: layer() });
    const base = httpBase(server);
    const client = await connectClient(server);
    t.after(() => client.close());
    client.send({ type: "user_message", id: "m1", content: "show me" });
    const { message } = await client.until("message_new");
    const elements = message.elements ?? [];
    assert.deepEqual(
      elements.map((e) => [e.name, e.kind, e.mime]),
      [
        ["cat.png", "image", "image/png"],
        ["report.pdf", "pdf", "application/pdf"],
        ["notes.txt", "text", "text/plain"],
        ["Sales", "dataframe", undefined],
        ["Chart", "plotly", undefined],
        ["Remote", "image", "image/png"],
      ],
    );
    const [image, pdf, notes, frame] = elements;
    assert.deepEqual(frame?.props, { columns: ["q", "n"], rows: [["Q1", 3]] });
    assert.equal(pdf?.display, "side");
    const png = await fetch(`${base}${image?.url}`);
    assert.ok(Buffer.from(await png.arrayBuffer()).equals(PNG));
    assert.equal(await (await fetch(`${base}${notes?.url}`)).text(), "plain words");
    assert.match((await fetch(`${base}${pdf?.url}`)).headers.get("content-type") ?? "", /application\/pdf/);

    await client.until("task_end");
    const threadId = client.welcome?.threadId ?? "";
    await waitFor(async () => (await layer().loadThread(threadId))?.elements.length === 6);
    const stored = await layer().loadThread(threadId);
    const sales = stored?.elements.find((e) => e.name === "Sales");
    assert.equal(sales?.kind, "dataframe");
    assert.deepEqual(sales?.props, { columns: ["q", "n"], rows: [["Q1", 3]] });
    await layer().deleteThread(threadId);
    assert.equal(await layer().files?.get(image?.id ?? ""), undefined, "the thread's element bytes went with it");
  });

  test("sendElement, live updates, removal, the sidebar; too many bytes is FILE_TOO_LARGE", async (t) => {
    const chat = createApp();
    chat.onMessage(async (ctx, incoming) => {
      if (incoming.content === "big") {
        await ctx.send({ content: "x", elements: [{ name: "big.bin", content: Buffer.alloc(5000) }] });
        return;
      }
      const anchor = await ctx.send("working");
      const plan = await ctx.sendElement({
        name: "Plan",
        kind: "tasklist",
        forId: anchor.id,
        props: { tasks: [{ title: "fetch", status: "running" }] },
      });
      await plan.update({ props: { tasks: [{ title: "fetch", status: "done" }] } });
      const file = await ctx.sendElement({ name: "out.txt", content: "result", forId: anchor.id });
      await ctx.setSidebar({ title: "Sources", elements: [{ name: "Doc", kind: "custom", props: { page: 2 } }] });
      await ctx.setSidebar({ elements: [] });
      await ctx.askText("remove the file?");
      await file.remove();
    });
    const server = await startGateway(t, { hooks: chat.seal(), data: layer(), maxUploadBytes: 1000 });
    const base = httpBase(server);
    const client = await connectClient(server);
    t.after(() => client.close());
    client.send({ type: "user_message", id: "m1", content: "go" });
    const anchor = await client.until("message_new");
    const first = await client.until("element");
    assert.equal(first.forId, anchor.message.id);
    assert.equal(first.element.kind, "tasklist");
    const updated = await client.until("element");
    assert.equal(updated.element.id, first.element.id);
    assert.deepEqual(updated.element.props, { tasks: [{ title: "fetch", status: "done" }] });
    const file = await client.until("element");
    const open = await client.until("sidebar");
    assert.equal(open.title, "Sources");
    assert.deepEqual(open.elements[0]?.props, { page: 2 });
    assert.deepEqual((await client.until("sidebar")).elements, []);
    const ask = await client.until("ask");
    assert.equal(await (await fetch(`${base}${file.element.url}`)).text(), "result");
    client.send({ type: "ask_reply", askId: ask.askId, content: "yes" });
    assert.deepEqual((await client.until("remove_elements")).ids, [file.element.id]);
    assert.equal((await fetch(`${base}${file.element.url}`)).status, 404, "removed bytes are gone");
    await client.until("task_end");
    const threadId = client.welcome?.threadId ?? "";
    await waitFor(async () => (await layer().loadThread(threadId))?.elements.length === 1);
    const history = await layer().loadThread(threadId);
    const message = history?.steps.find((step) => step.id === anchor.message.id);
    assert.deepEqual(message?.kind === "message" ? message.elements?.map((e) => [e.kind, e.props]) : undefined, [
      ["tasklist", { tasks: [{ title: "fetch", status: "done" }] }],
    ]);

    client.send({ type: "user_message", id: "m2", content: "big" });
    const refused = await client.until("error");
    assert.equal(refused.code, "FILE_TOO_LARGE");
    assert.equal(refused.replyTo, "m2");
  });
}

onSqlLayers("elements", elementsOn);
onS3Layers("elements", elementsOn);
