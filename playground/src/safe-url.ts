// Which element URLs the page may use as a link or an image source. DOM-free, so Node tests it
// (spec/playground/markdown.test.ts) as the page runs it.

// SVG is left out: as a link it is a document that can run script.
const RASTER_DATA = /^data:image\/(?:png|gif|jpeg|webp|avif)[;,]/i;

/**
 * The absolute URL the page may use for an element, or undefined. `image` also allows raster data: images.
 * Resolved by the URL parser, as the browser would resolve it (tabs, case and spaces do not hide a scheme).
 * @example safeElementUrl("/files/chart.png", "https://chat.example/", false) // "https://chat.example/files/chart.png"
 */
export function safeElementUrl(url: string, base: string, image: boolean): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url, base);
  } catch {
    return undefined;
  }
  if (parsed.protocol === "http:" || parsed.protocol === "https:") return parsed.href;
  return image && parsed.protocol === "data:" && RASTER_DATA.test(parsed.href) ? parsed.href : undefined;
}
