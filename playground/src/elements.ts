// A message's elements: images, audio and video shown under the message, a data table and a task list drawn from
// their props, charts drawn by their library (charts.ts; their JSON until it loads), custom elements as their JSON,
// anything else a link by its name. URLs come from the app or a stored thread, so only http(s) ones (and raster
// data: images, as image sources) ever reach an attribute; any other shows the name as plain text. Text goes in as
// text nodes only.
import type { ElementView } from "../../lib/protocol/index.ts";
import { chartView, isChartKind } from "./charts.ts";
import { h } from "./dom.ts";
import { safeElementUrl } from "./safe-url.ts";

const cell = (value: unknown): string => (typeof value === "string" ? value : (JSON.stringify(value) ?? ""));

/** A dataframe's `{ columns, rows }` as a table. */
function table(element: ElementView): HTMLElement {
  const columns = Array.isArray(element.props?.columns) ? (element.props.columns as unknown[]) : [];
  const rows = Array.isArray(element.props?.rows) ? (element.props.rows as unknown[]) : [];
  const head = h("tr", {}, ...columns.map((column) => h("th", {}, cell(column))));
  const body = rows.map((row) => h("tr", {}, ...(Array.isArray(row) ? row : [row]).map((v) => h("td", {}, cell(v)))));
  return h(
    "table",
    { class: "element dataframe" },
    h("caption", {}, element.name),
    h("thead", {}, head),
    h("tbody", {}, ...body),
  );
}

/** A task list's `{ status?, tasks: [{ title, status }] }` as a list. */
function tasks(element: ElementView): HTMLElement {
  const list = Array.isArray(element.props?.tasks)
    ? (element.props.tasks as { title?: unknown; status?: unknown }[])
    : [];
  const items = list.map((task) =>
    h(
      "li",
      { "data-status": cell(task.status ?? "ready") },
      `${cell(task.status ?? "ready")}: ${cell(task.title ?? "")}`,
    ),
  );
  const status = element.props?.status === undefined ? undefined : h("p", {}, cell(element.props.status));
  return h("div", { class: "element tasklist" }, h("strong", {}, element.name), status, h("ul", {}, ...items));
}

function elementView(element: ElementView): HTMLElement {
  const name = h("span", { class: "element-name" }, element.name);
  if (element.kind === "dataframe") return table(element);
  if (element.kind === "tasklist") return tasks(element);
  if (isChartKind(element.kind) && element.url === undefined) return chartView(element);
  if (element.url === undefined) {
    // custom: the JSON, as text.
    return h(
      "figure",
      { class: `element ${element.kind ?? "custom"}` },
      h("pre", {}, JSON.stringify(element.props ?? {}, null, 2)),
      h("figcaption", {}, name),
    );
  }
  const image = element.mime?.startsWith("image/") === true && element.mime !== "image/svg+xml";
  const src = image ? safeElementUrl(element.url, location.href, true) : undefined;
  if (src !== undefined)
    return h("figure", { class: "element image" }, h("img", { src, alt: element.name }), h("figcaption", {}, name));
  const href = safeElementUrl(element.url, location.href, false);
  if (href === undefined) return h("span", { class: "element", title: "This address cannot be opened here" }, name);
  if (element.kind === "audio" || element.kind === "video") {
    return h(
      "figure",
      { class: `element ${element.kind}` },
      h(element.kind, { src: href, controls: true }),
      h("figcaption", {}, name),
    );
  }
  return h("a", { class: "element", href, target: "_blank", rel: "noopener noreferrer" }, name);
}

/**
 * The elements of a message, in order, whatever their `display` (the playground has no side panel or pages).
 * @example box.replaceChildren(...elementViews(view.elements))
 */
export const elementViews = (elements: readonly ElementView[] = []): HTMLElement[] => elements.map(elementView);
