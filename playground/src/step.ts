// One step on the page: a collapsible box with its name, type, state, input and output; nested steps inside.
import type { StepView } from "../../lib/protocol/index.ts";
import { h } from "./dom.ts";

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
