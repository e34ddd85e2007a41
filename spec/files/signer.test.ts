// The file signer: tickets and URLs hold only with the secret and until they expire; stored URLs are re-signed.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createFileSigner, refreshFileUrls } from "../../lib/data/file-signer.ts";

test("a ticket names its session until it expires; another secret or a changed body refuses it", () => {
  const signer = createFileSigner("one secret");
  const ticket = signer.uploadTicket({ sessionId: "s1", userIdentifier: "ada", expiresAt: 2_000 });
  assert.deepEqual(signer.checkTicket(ticket, 1_000), { sessionId: "s1", userIdentifier: "ada", expiresAt: 2_000 });
  assert.equal(signer.checkTicket(ticket, 3_000), undefined, "expired");
  assert.equal(createFileSigner("another secret").checkTicket(ticket, 1_000), undefined);
  const [, sig] = ticket.split(".");
  const other = Buffer.from(JSON.stringify(["s2", "ada", 2_000])).toString("base64url");
  assert.equal(signer.checkTicket(`${other}.${sig}`, 1_000), undefined, "a body swapped under a signature");
  assert.equal(signer.checkTicket("garbage", 1_000), undefined);
});

test("a file URL opens its file only, until it expires; a stored thread's URLs are signed afresh", () => {
  const signer = createFileSigner("one secret", "/api");
  const url = signer.fileUrl("f1", 2_000);
  const query = new URL(url, "http://x").searchParams;
  assert.ok(url.startsWith("/api/files/f1?"));
  assert.equal(signer.checkUrl("f1", query.get("exp") ?? "", query.get("sig") ?? "", 1_000), true);
  assert.equal(signer.checkUrl("f2", query.get("exp") ?? "", query.get("sig") ?? "", 1_000), false);
  assert.equal(signer.checkUrl("f1", query.get("exp") ?? "", query.get("sig") ?? "", 3_000), false);

  const stale = {
    steps: [{ id: "m1", elements: [{ id: "f1", url }] }],
    elements: [
      { id: "f1", url },
      { id: "x", url: "https://example.com/x.png" },
    ],
  };
  const fresh = refreshFileUrls(stale, signer, 10_000);
  const renewed = fresh.elements[0]?.url ?? "";
  const params = new URL(renewed, "http://x").searchParams;
  assert.equal(signer.checkUrl("f1", params.get("exp") ?? "", params.get("sig") ?? "", 5_000), true);
  assert.equal((fresh.steps[0] as { elements: { url: string }[] }).elements[0]?.url, renewed);
  assert.equal(fresh.elements[1]?.url, "https://example.com/x.png", "other URLs are left alone");
});
