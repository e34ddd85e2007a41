// The Node.js versions chatwire supports, in one place: package.json's "engines" says the same (a spec checks),
// and every entry point refuses any other version at import, before a dependency fails in some obscure way.
// Written for old Nodes too: nothing here may need more than Node 16 to parse and run.

/** One supported release line: from `since` up within its major, or, for the last, in every later major too. */
interface SupportedLine {
  readonly since: readonly [major: number, minor: number, patch: number];
  readonly laterMajors?: true;
}

/**
 * 20.19 and 22.12: the first of their lines to load ES modules with require() unflagged, so a CommonJS app can
 * require("chatwire"). Odd majors (21, 23, 25) are left out: they have all reached end of life.
 */
export const supportedNodeLines: readonly SupportedLine[] = [
  { since: [20, 19, 0] },
  { since: [22, 12, 0] },
  { since: [24, 0, 0] },
  { since: [26, 0, 0], laterMajors: true },
];

/** The same lines as an npm range, as package.json's "engines" writes them: "^20.19.0 || … || >=26.0.0". */
export const supportedNodeRange = supportedNodeLines
  .map(({ since, laterMajors }) => `${laterMajors ? ">=" : "^"}${since.join(".")}`)
  .join(" || ");

/** Whether version a (three numbers) is at least b. */
const atLeast = (a: readonly number[], b: readonly number[]): boolean => {
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
};

/**
 * Why chatwire cannot run on Node.js `version` (as process.versions.node writes it), or undefined when it can.
 * @example nodeSupportProblem("18.20.8") // "chatwire needs Node.js ^20.19.0 || ^22.12.0 || ^24.0.0 || >=26.0.0; …"
 */
export function nodeSupportProblem(version: string): string | undefined {
  const parts = version.split(".").map((part) => Number.parseInt(part, 10));
  const supported = supportedNodeLines.some(
    ({ since, laterMajors }) =>
      (parts[0] === since[0] || (laterMajors && (parts[0] ?? 0) > since[0])) && atLeast(parts, since),
  );
  if (supported) return undefined;
  return (
    `chatwire needs Node.js ${supportedNodeRange}; this is Node.js ${version}. ` +
    "Install a supported version (see docs/deployment.md, Supported platforms), then run npm ci again so that " +
    "native modules (better-sqlite3) are built for it."
  );
}
