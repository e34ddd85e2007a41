// Tool approvals (`ctx.approve`): before a tool with a side effect runs, the user allows it once, for the rest of
// the conversation, or always, or denies it. Sticky grants live in ToolGrants (the session's, backed by the data
// layer when it stores them). The answer's scope is read from the pressed button's payload, which the server holds
// (the client sends only the button's id), so a client cannot widen a grant it was not offered.
import { ChatwireError } from "../errors.ts";
import type { Action } from "../hooks/payloads.ts";
import type { AskInit } from "./ask-init.ts";
import type { ToolGrants } from "./grants.ts";
import type { ActionInit } from "./message.ts";

export { memoryGrants, type ToolGrants } from "./grants.ts";

/** How long an approval holds: this call only, the rest of this thread, or every thread of the signed-in user. */
export type ApprovalScope = "once" | "thread" | "user";

/** What `ctx.approve` asks about. */
export interface ApproveInit extends Omit<AskInit, "content"> {
  /** The tool's name: what the user approves, and the key a sticky grant is kept under (1 to 200 characters). */
  readonly tool: string;
  /** What the tool would run with, shown to the user as JSON. */
  readonly input?: unknown;
  /** The question; default "Allow **tool** to run?" with the input below it. */
  readonly content?: string | undefined;
  /** The widest grant the user is offered: "once" (default) asks every time; "thread" also offers "for this
   * conversation"; "user" also offers "always" (needs a signed-in user and a data layer that stores grants,
   * otherwise it offers "thread" at most). */
  readonly remember?: ApprovalScope | undefined;
}

const MAX_TOOL_CHARS = 200;
/** The input shown in the question, at most this many characters of JSON. */
const MAX_INPUT_CHARS = 4000;

const SCOPES: readonly ApprovalScope[] = ["once", "thread", "user"];
const BUTTONS: Record<ApprovalScope, string> = {
  once: "Allow once",
  thread: "Allow in this conversation",
  user: "Always allow",
};

/** The buttons of an approval: `approve_once`, `approve_thread`, `approve_user` up to `remember` and what the
 * grants can keep, then `deny`. Each approve button's payload holds its scope. */
export function approvalButtons(remember: ApprovalScope, widest: ToolGrants["widest"]): ActionInit[] {
  const offered = SCOPES.slice(0, Math.min(SCOPES.indexOf(remember), SCOPES.indexOf(widest)) + 1);
  return [
    ...offered.map((scope) => ({ name: `approve_${scope}`, label: BUTTONS[scope], payload: { scope } })),
    { name: "deny", label: "Deny", payload: {} },
  ];
}

/** The question: the app's, or the tool and its input. */
function question(init: ApproveInit): string {
  if (init.content !== undefined) return init.content;
  if (init.input === undefined) return `Allow **${init.tool}** to run?`;
  let json = JSON.stringify(init.input, null, 2) ?? String(init.input);
  if (json.length > MAX_INPUT_CHARS) json = `${json.slice(0, MAX_INPUT_CHARS)}\n…`;
  return `Allow **${init.tool}** to run with:\n\n\`\`\`json\n${json}\n\`\`\``;
}

/** Checks `init.tool` and `init.remember`; throws BAD_APPROVAL for the app author. */
export function checkApproval(init: ApproveInit): void {
  if (typeof init.tool !== "string" || init.tool.length === 0 || init.tool.length > MAX_TOOL_CHARS) {
    throw new ChatwireError("BAD_APPROVAL", `an approval's tool is a name of 1 to ${MAX_TOOL_CHARS} characters`);
  }
  if (init.remember !== undefined && !SCOPES.includes(init.remember)) {
    throw new ChatwireError("BAD_APPROVAL", `remember is "once", "thread" or "user", not ${String(init.remember)}`);
  }
}

/**
 * Runs one approval: a sticky grant answers at once; otherwise the user is asked (`ask`: the context's askAction)
 * and an approval with a wider scope than "once" is kept. Resolves true when the tool may run.
 */
export async function runApproval(
  init: ApproveInit,
  grants: ToolGrants,
  ask: (ask: AskInit & { readonly actions: readonly ActionInit[] }) => Promise<Action>,
): Promise<boolean> {
  checkApproval(init);
  if (await grants.has(init.tool)) return true;
  const { tool: _tool, input: _input, remember = "once", ...rest } = init;
  const pressed = await ask({ ...rest, content: question(init), actions: approvalButtons(remember, grants.widest) });
  const scope = pressed.payload.scope;
  if (!pressed.name.startsWith("approve_")) return false;
  if (scope === "thread" || scope === "user") await grants.add(init.tool, scope);
  return true;
}
