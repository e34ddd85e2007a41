// One step on the page: a collapsible box with its name, type, state, input and output; nested steps inside.
import type { StepView } from "../../lib/protocol/index.ts";
import { h } from "./dom.ts";
import { safeElementUrl } from "./safe-url.ts";

/** An icon name (Chainlit's are Lucide names, e.g. `search`, `file-text`) rather than a URL. */
const ICON_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** The step's icon: an image for a URL the page may load, the name as a small label otherwise. */
function stepIcon(icon: string | undefined): HTMLElement[] {
  if (icon === undefined) return [];
  if (ICON_NAME.test(icon)) return [h("span", { class: "step-icon", "data-icon": icon, title: icon }, icon)];
  const url = safeElementUrl(icon, location.href, true);
  return url === undefined ? [] : [h("img", { class: "step-icon", src: url, alt: "", "data-icon": icon })];
}

/** A rendered step. Children (nested steps, messages sent from the step) go into `children`. */
export class StepElement {
  readonly root: HTMLDetailsElement;
  readonly children = h("div", { class: "children" });
  readonly #summary = h("summary");
  readonly #io = h("div", { class: "io" });

  constructor(view: StepView) {
    this.root = h("details", { class: "step", "data-id": view.id }, this.#summary, this.#io, this.children);
    this.update(view);
  }

  /** Replaces the step's state: the whole step at start and at end, and its input or output as it streams. */
  update(view: StepView): void {
    const state = view.error !== undefined ? "failed" : view.end !== undefined ? "done" : "running";
    this.root.dataset.state = state;
    this.#summary.replaceChildren(
      ...stepIcon(view.icon),
      h("span", { class: "step-name" }, view.name),
      h("span", { class: "badge" }, view.type),
      h("span", { class: `state ${state}` }, state),
    );
    this.#io.replaceChildren(
      ...[
        ["Input", view.input],
        ["Output", view.output],
        ["Error", view.error],
      ].flatMap(([label, text]) =>
        text === undefined ? [] : [h("div", { class: "io-label" }, label), h("pre", {}, text)],
      ),
    );
  }
}
