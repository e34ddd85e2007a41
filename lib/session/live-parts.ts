// What the pieces of a live session (the command switch, user messages, edits, settings, ask replies, recovery)
// share: the parts live-session.ts composes and the few of its methods they call back. Only session/ sees it: the
// layers above hold a session as a `Session` (session.ts).
import type { FileAccess } from "../context/files.ts";
import type { LoadedThread } from "../data/layer.ts";
import type { ErrorCode } from "../errors.ts";
import type { HookTable } from "../hooks/table.ts";
import type { OutgoingFrame } from "../protocol/server.ts";
import type { User } from "../protocol/views.ts";
import type { ActionBook } from "./actions.ts";
import type { AskBook } from "./asks.ts";
import type { AudioInput } from "./audio.ts";
import type { AudioOutput } from "./audio-output.ts";
import type { CommandBook } from "./chat-commands.ts";
import type { ChosenIds } from "./chosen-ids.ts";
import type { SessionTurns } from "./durable-turns.ts";
import type { EventLane } from "./event-lane.ts";
import type { FavoritesDesk } from "./favorites.ts";
import type { LaneHost } from "./lane.ts";
import type { TaskLane } from "./lanes.ts";
import type { McpDesk } from "./mcp-desk.ts";
import type { ModeBook } from "./modes.ts";
import type { Outbox } from "./outbox.ts";
import type { SessionLimits } from "./session.ts";
import type { SettingsBook } from "./settings.ts";
import type { ThreadIds } from "./thread-ids.ts";
import type { ThreadLink } from "./thread-link.ts";
import type { ThreadFollower, ThreadViewers } from "./thread-viewers.ts";
import type { Transcript } from "./transcript.ts";
import type { UsageBook } from "./usage.ts";

/** A user message's queued turn: `superseded` by a newer message (`interrupt`), or `taken` by the task that was
 * running when it came (`steer`). */
export interface WaitingTurn {
  superseded: boolean;
  taken: boolean;
}

/** A live session as its own pieces see it. */
export interface LiveParts<S extends object> extends LaneHost<S>, ThreadFollower {
  readonly id: string;
  readonly threadId: string;
  readonly user: User | undefined;
  readonly limits: SessionLimits;
  /** The session has fully ended (after onChatEnd): sends throw SESSION_CLOSED. */
  readonly closed: boolean;
  /** The hook table as it is now: a reload may have swapped it since the last turn. */
  readonly hooks: HookTable<S>;
  readonly outbox: Outbox;
  readonly link: ThreadLink | undefined;
  /** Makes the ids of this thread's messages and steps, and recognises them. */
  readonly ids: ThreadIds;
  readonly asks: AskBook;
  readonly actions: ActionBook;
  readonly settings: SettingsBook;
  readonly commands: CommandBook;
  readonly modes: ModeBook;
  readonly transcript: Transcript;
  readonly chosenIds: ChosenIds;
  readonly usage: UsageBook;
  readonly tasks: TaskLane<S>;
  readonly events: EventLane<S>;
  readonly output: AudioOutput;
  readonly files: FileAccess | undefined;
  readonly favorites: FavoritesDesk<S>;
  /** Message turns' records and step memos, when persistence keeps turns durable. */
  readonly durable: SessionTurns | undefined;
  /** The node's followers of threads: this session follows its thread's other sessions, and they follow it. */
  readonly viewers: ThreadViewers | undefined;
  /** Message turns queued and not started yet, under `interrupt`: a newer message supersedes them. */
  readonly waitingTurns: Set<WaitingTurn>;
  /** The thread this session reopened, as loaded: where a stored ask's answer recovers its turn. */
  readonly reopened: LoadedThread | undefined;
  /** An error frame about a command; `field` names the settings input a refused value was for. */
  emitError(code: ErrorCode, message: string, replyTo?: string, field?: string): void;
  /** Sends a frame through the outbox (and to the stored thread); throws SESSION_CLOSED once the session is over. */
  emit(frame: OutgoingFrame): undefined | Promise<void>;
  /** Saves the state and the conversation (settings, chat profile, token sums) with the stored thread. */
  saveConversation(): void;
  /** The session's audio input, made at the first audio command. */
  audioInput(): AudioInput<S>;
  /** The session's MCP servers, made at the first MCP command. */
  mcpDesk(): McpDesk<S>;
}
