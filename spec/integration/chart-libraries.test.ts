// The playground's chart libraries (lib/playground/chart-libraries.ts): served from node_modules with the right
// type when installed (they are dev dependencies here), 404 when the resolver finds nothing, and only the files of
// its table, whatever the path asks for.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { createServer } from "chatwire";
import Fastify from "fastify";
import { CHART_LIBRARY_FILES, chartLibraryRoutes } from "../../lib/playground/chart-libraries.ts";

test("the built server serves each installed library's browser file as JavaScript, under the page's prefix", async (t) => {
  const server = await createServer({ logger: false, data: false });
  t.after(() => server.close());
  for (const [file, library] of Object.entries(CHART_LIBRARY_FILES)) {
    const response = await server.inject({ method: "GET", url: `/charts/${file}` });
    assert.equal(response.statusCode, 200, file);
    assert.equal(response.headers["content-type"], "text/javascript; charset=utf-8");
    assert.equal(response.headers["x-content-type-options"], "nosniff");
    const installed = readFileSync(new URL(`../../node_modules/${library.name}/${library.file}`, import.meta.url));
    assert.ok(response.rawPayload.equals(installed), `${file} is ${library.name}'s ${library.file}`);
    const again = await server.inject({
      method: "GET",
      url: `/charts/${file}`,
      headers: { "if-none-match": String(response.headers.etag) },
    });
    assert.equal(again.statusCode, 304);
  }
});

test("a library the resolver cannot find answers 404 with the package to install", async () => {
  const app = Fastify();
  const asked: string[] = [];
  chartLibraryRoutes(app, (library) => {
    asked.push(library.name);
    return undefined;
  });
  const response = await app.inject({ method: "GET", url: "/charts/plotly.min.js" });
  assert.equal(response.statusCode, 404);
  assert.equal(response.body, "install plotly.js-dist-min to draw these charts");
  assert.deepEqual(asked, ["plotly.js-dist-min"]);
  await app.close();
});

test("only the table's files are served: other names and paths never reach the resolver", async () => {
  const app = Fastify();
  const asked: string[] = [];
  chartLibraryRoutes(app, (library) => {
    asked.push(library.name);
    return "/etc/passwd";
  });
  for (const url of ["/charts/package.json", "/charts/..%2f..%2fpackage.json", "/charts/toString", "/charts/"]) {
    const response = await app.inject({ method: "GET", url });
    assert.equal(response.statusCode, 404, url);
  }
  assert.deepEqual(asked, []);
  await app.close();
});
