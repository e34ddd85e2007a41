// `plotly` and `vega` elements drawn with their libraries, which the server serves from node_modules at charts/…
// (lib/playground/chart-libraries.ts): loaded the first time a chart appears, from the page's own origin, so the
// page's script-src 'self' holds. Until a library is there (or when it is not installed: the script answers 404) the
// chart shows as its JSON, with a note naming the package that would draw it.
// What a spec can do is the library's drawing and no more: Plotly writes titles and labels as SVG text (its few
// tags, <b>, <br>, <a href> with http(s) only, become tspans; anything else stays text); Vega runs with its
// expression interpreter (no eval: expressions are evaluated over Vega's own functions, with no access to the
// page's globals), and its loader refuses every URL, so a spec draws its inline data and fetches nothing.
import type { ElementView } from "../../lib/protocol/index.ts";
import { h } from "./dom.ts";

interface PlotlyGlobal {
  newPlot(
    root: HTMLElement,
    figure: { data: unknown; layout: unknown; frames: unknown; config: unknown },
  ): Promise<unknown>;
}
interface VegaLoader {
  sanitize: (uri: string, options: unknown) => Promise<never>;
}
interface VegaGlobal {
  loader(): VegaLoader;
}
type VegaEmbed = (root: HTMLElement, spec: unknown, options: Record<string, unknown>) => Promise<unknown>;
type ChartWindow = Window & { Plotly?: PlotlyGlobal; vega?: VegaGlobal; vegaEmbed?: VegaEmbed };

/** The files each kind needs, in order, and the packages to install for them. */
const LIBRARIES = {
  plotly: { files: ["plotly.min.js"], packages: "plotly.js-dist-min" },
  vega: { files: ["vega.min.js", "vega-lite.min.js", "vega-embed.min.js"], packages: "vega, vega-lite and vega-embed" },
} as const;
type ChartKind = keyof typeof LIBRARIES;

const scripts = new Map<string, Promise<void>>();

/** Adds `<script src="charts/<file>">` once per page; the promise settles when it ran or failed to load. */
function script(file: string): Promise<void> {
  let loaded = scripts.get(file);
  if (loaded === undefined) {
    loaded = new Promise<void>((resolve, reject) => {
      const tag = h("script", { src: `charts/${file}` });
      tag.addEventListener("load", () => resolve());
      tag.addEventListener("error", () => reject(new Error(`charts/${file} did not load`)));
      document.head.append(tag);
    });
    scripts.set(file, loaded);
  }
  return loaded;
}

async function loadLibrary(kind: ChartKind): Promise<void> {
  for (const file of LIBRARIES[kind].files) await script(file);
}

/** Whether the element is a chart this page can draw. */
export const isChartKind = (kind: string | undefined): kind is ChartKind => kind === "plotly" || kind === "vega";

/** A Plotly figure (`{ data, layout, frames }`, as `fig.to_json()` gives it) into `root`. The spec's own `config`
 * is left out: it could turn on links to Plotly's cloud. */
async function drawPlotly(root: HTMLElement, props: Record<string, unknown>): Promise<void> {
  const Plotly = (window as ChartWindow).Plotly;
  if (Plotly === undefined) throw new Error("Plotly did not define itself");
  await Plotly.newPlot(root, {
    data: props.data ?? [],
    layout: props.layout ?? {},
    frames: props.frames ?? [],
    config: {
      displaylogo: false,
      responsive: true,
      showLink: false,
      showSendToCloud: false,
      showEditInChartStudio: false,
    },
  });
}

/** A Vega-Lite spec into `root` as SVG. `usermeta` is left out: vega-embed reads embed options from it, and the
 * options here (no eval, no URLs, no action menu) are the page's, not the spec's. */
async function drawVega(root: HTMLElement, props: Record<string, unknown>): Promise<void> {
  const { vega, vegaEmbed } = window as ChartWindow;
  if (vega === undefined || vegaEmbed === undefined) throw new Error("Vega did not define itself");
  const { usermeta: _usermeta, ...spec } = props;
  const loader = vega.loader();
  loader.sanitize = () => Promise.reject(new Error("charts draw their inline data only"));
  await vegaEmbed(root, spec, { mode: "vega-lite", ast: true, actions: false, renderer: "svg", loader });
}

/**
 * A chart element: its JSON at once, replaced by the drawing when the library has loaded and drawn it; if the
 * library is missing (or the spec does not draw), the JSON stays with a note.
 * @example chartView({ id: "e1", name: "Sales", kind: "vega", props: spec })
 */
export function chartView(element: ElementView): HTMLElement {
  const json = h("pre", {}, JSON.stringify(element.props ?? {}, null, 2));
  const canvas = h("div", { class: "chart" });
  const figure = h(
    "figure",
    { class: `element ${element.kind ?? "custom"}` },
    canvas,
    json,
    h("figcaption", {}, h("span", { class: "element-name" }, element.name)),
  );
  const kind = element.kind;
  if (!isChartKind(kind)) return figure;
  const props = element.props ?? {};
  loadLibrary(kind).then(
    () =>
      (kind === "plotly" ? drawPlotly(canvas, props) : drawVega(canvas, props)).then(
        () => {
          json.remove();
          figure.dataset.chart = "drawn";
        },
        (error: unknown) => {
          canvas.replaceChildren();
          note(figure, `This chart did not draw: ${error instanceof Error ? error.message : String(error)}`);
        },
      ),
    () => note(figure, `Install ${LIBRARIES[kind].packages} beside chatwire to draw this chart.`),
  );
  return figure;
}

function note(figure: HTMLElement, text: string): void {
  figure.dataset.chart = "json";
  figure.insertBefore(h("p", { class: "chart-note" }, text), figure.lastChild);
}
