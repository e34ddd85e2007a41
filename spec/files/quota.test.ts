// Upload quotas over real HTTP, on SQLite and PostgreSQL: a signed-in user's stored uploads are counted over all of
// their sessions (from the files' rows), and the upload that would pass the quota is cut off while it streams.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { type TestContext, test } from "node:test";
import { createApp, type DataLayer } from "chatwire";
import { connectClient } from "chatwire/testing";
import { startGateway } from "../support/gateway.ts";
import { onSqlLayers } from "../support/layers.ts";
import { httpBase, streamedUpload, upload } from "./support.ts";

const BIN = "application/octet-stream";

/** A gateway whose users sign in by an `x-user` header, with a 700 kB per-user quota; `ticket(name)` connects a
 * session of that user and gives its upload ticket. */
async function userQuotaGateway(t: TestContext, layer: () => DataLayer) {
  const chat = createApp();
  chat.headerAuth((headers) => (typeof headers["x-user"] === "string" ? { identifier: headers["x-user"] } : undefined));
  const server = await startGateway(t, {
    hooks: chat.seal(),
    data: layer(),
    maxUploadBytesPerUser: 700_000,
    maxUploadBytesPerSession: 10_000_000,
  });
  const ticket = async (name: string) => {
    const client = await connectClient(server, { headers: { "x-user": name } });
    t.after(() => client.close());
    return client.welcome?.uploadToken ?? "";
  };
  return { base: httpBase(server), ticket };
}

function quotas(layer: () => DataLayer): void {
  test("a user's uploads are bounded by maxUploadBytesPerUser over all their sessions: UPLOAD_QUOTA", async (t) => {
    const user = `ada-${randomBytes(4).toString("hex")}`;
    const { base, ticket: connect } = await userQuotaGateway(t, layer);
    const first = await connect(user);
    const second = await connect(user);
    const files = layer().files;
    assert.equal((await upload(base, first, "a.bin", BIN, randomBytes(300_000))).status, 201);
    assert.equal((await upload(base, second, "b.bin", BIN, randomBytes(300_000))).status, 201);
    assert.equal(await files?.userBytes(user), 600_000, "both sessions count");

    const over = await upload(base, second, "c.bin", BIN, randomBytes(2_000_000));
    assert.equal(over.status, 413);
    assert.equal(over.body.code, "UPLOAD_QUOTA");
    assert.match(over.body.message ?? "", /user/);
    assert.equal(await files?.userBytes(user), 600_000, "the cut-off upload left nothing behind");
    assert.equal((await upload(base, first, "d.bin", BIN, randomBytes(100_000))).status, 201, "exactly the quota fits");
    const full = await upload(base, first, "e.bin", BIN, randomBytes(1));
    assert.equal(full.status, 413);
    assert.equal(full.body.code, "UPLOAD_QUOTA");

    const other = await connect(`bob-${user}`);
    assert.equal((await upload(base, other, "f.bin", BIN, randomBytes(300_000))).status, 201, "another user's own");
  });

  test("two uploads of one user at once cannot pass the quota together: each counts what the other took", {
    timeout: 60_000,
  }, async (t) => {
    const user = `eve-${randomBytes(4).toString("hex")}`;
    const { base, ticket } = await userQuotaGateway(t, layer);
    const tickets = [await ticket(user), await ticket(user)];
    const files = layer().files;
    // Both are under way before either is done (their pieces interleaved): each alone fits, together they do not.
    const uploads = tickets.map((ticket, i) => streamedUpload(base, ticket, `${i}.bin`, 400_000));
    // A failed check leaves no request open: the server would wait for its body before it closes.
    try {
      for (const _ of [1, 2, 3]) {
        // An upload refused early may stop taking bytes: its answer is what counts.
        for (const upload of uploads) await upload.send(randomBytes(100_000)).catch(() => undefined);
      }
      const answers = await Promise.all(uploads.map((upload) => upload.finish(randomBytes(100_000))));
      const statuses = answers.map((answer) => answer.status);
      assert.ok(statuses.includes(413), `statuses ${statuses.join(", ")}`);
      for (const answer of answers.filter((a) => a.status === 413)) assert.equal(answer.body.code, "UPLOAD_QUOTA");
      const stored = (await files?.userBytes(user)) ?? 0;
      assert.ok(stored <= 700_000, `stored ${stored} bytes`);
      assert.equal(
        stored,
        400_000 * statuses.filter((status) => status === 201).length,
        "a refused upload left nothing",
      );
    } finally {
      for (const upload of uploads) upload.abort();
    }
  });

  test("an anonymous session has only the session quota", async (t) => {
    const chat = createApp();
    const server = await startGateway(t, {
      hooks: chat.seal(),
      data: layer(),
      maxUploadBytesPerUser: 100_000,
      maxUploadBytesPerSession: 300_000,
    });
    const base = httpBase(server);
    const anonymous = await connectClient(server);
    t.after(() => anonymous.close());
    const ticket = anonymous.welcome?.uploadToken ?? "";
    assert.equal((await upload(base, ticket, "a.bin", BIN, randomBytes(250_000))).status, 201);
    const over = await upload(base, ticket, "b.bin", BIN, randomBytes(100_000));
    assert.equal(over.status, 413);
    assert.match(over.body.message ?? "", /session/);
    assert.equal(await layer().files?.sessionBytes(anonymous.welcome?.sessionId ?? ""), 250_000);
  });
}

onSqlLayers("upload quotas", quotas);
