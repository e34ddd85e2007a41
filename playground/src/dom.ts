// A tiny element builder: text goes in as text nodes, never as HTML (only markdown.ts produces HTML, sanitised).

type Attributes = Record<string, string | boolean | undefined>;
type Child = Node | string | undefined;

/**
 * Creates an element with attributes (false/undefined are left out) and children.
 * @example h("button", { type: "button", class: "icon" }, "Send")
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    // Handlers are added with addEventListener, never as attributes: the page works under script-src-attr 'none'.
    if (/^on/i.test(name)) throw new Error(`h(): ${name} is an event handler attribute`);
    if (value === true) element.setAttribute(name, "");
    else if (typeof value === "string") element.setAttribute(name, value);
  }
  for (const child of children) if (child !== undefined) element.append(child);
  return element;
}

/** The element with `id`, which the page's HTML must have. */
export function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`#${id} is missing from the page`);
  return element as T;
}
