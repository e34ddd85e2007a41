// How the benchmark turns persistence on: the gateway option that takes a DataLayerChoice (lib/data/select.ts).
// Until lib/gateway/options.ts declares it, the chatwire+sqlite server is skipped with a note.
import { readFileSync } from "node:fs";

/** The name of the gateway option that takes a DataLayerChoice. */
export const DATA_OPTION = "data";

/** Why persistence cannot be benchmarked in this checkout, or undefined when it can. */
export function persistenceMissing(): string | undefined {
  const options = readFileSync(new URL("../../lib/gateway/options.ts", import.meta.url), "utf8");
  return new RegExp(`readonly ${DATA_OPTION}\\?:`).test(options)
    ? undefined
    : `the gateway has no \`${DATA_OPTION}\` option yet (lib/gateway/options.ts); persistence is being wired in`;
}
