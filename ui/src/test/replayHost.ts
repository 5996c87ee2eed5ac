import { commands, COMMAND_DOORS, type Commands } from "../bindings/commands";
import type { ImportProgress } from "../bindings/ImportProgress";
import type { LockReason } from "../bindings/LockReason";
import type { DeskEvent } from "../bindings/DeskEvent";
import type { SyncState } from "../bindings/SyncState";
import type { OpenRequest } from "../bindings/OpenRequest";
import { HostError, toHostError, type Host } from "../platform/host";

/**
 * A host that answers from a recording the Rust side made by driving the real app
 * (`src-tauri/tests/ui_fixtures/` writes `ui/src/fixtures/*.json`): every answer is one the
 * core gave, through the same IPC. No rule of the Organization or the ledger is written here:
 * a call the recording does not hold fails the test, and says where to record it.
 *
 * What the window itself provides (dialogs, dropped files, the OS locking) is played by the
 * test, through the methods of {@link ReplayHost}.
 */

/**
 * One call as recorded: its arguments, what it answered (an index into the recording's
 * `answers`: its output, or its refusal) and, when it changed something, the state it led to.
 */
export interface RecordedCall {
  command: string;
  args: Record<string, unknown>;
  ok?: number;
  error?: number;
  next?: string;
  /** Events the core sent while it ran (an import's progress), as indexes into `answers`. */
  events?: number[];
  /** The files it wrote (an export), by path, with what they hold. */
  files?: Record<string, string>;
}

/** The calls recorded in one state, and the time there (unix ms). */
export interface RecordedState {
  clock_ms: number;
  calls: RecordedCall[];
}

/** What `src-tauri/tests/ui_fixtures` writes. */
export interface Recording {
  about: string;
  start: string;
  states: Record<string, RecordedState>;
  /** Every distinct answer, once. */
  answers: unknown[];
}

/** What the OS's open and save dialogs answer (null: the person cancels). */
export interface DialogAnswers {
  open?: string[] | null;
  save?: string | null;
}

export interface ReplayHostOptions {
  /** The state to start in (default: the recording's start). */
  state?: string;
  /** Delay added to every answer, in ms, to let a test see what happens in between. */
  latencyMs?: number;
}

/** The host, and what a test uses to play the OS and to read where the recording is. */
export interface ReplayHost extends Host {
  /** The state the recording is in. */
  state(): string;
  /** The recorded time of the current state (unix ms). */
  nowMs(): number;
  /** Calls the recording does not hold, in order (each also failed its caller). */
  misses(): string[];
  /** As if the OS reported sleep or a screen lock, or the core's idle timer ran out: the core locks (the recording's `lock_app`), then tells `onLocked` listeners. */
  simulateSystemLock(reason: LockReason): void;
  /** As if files were dropped on the window. */
  simulateDrop(paths: string[]): void;
  /**
   * As if the Organization pushed a change: the app moves to recorded state `state` (reached
   * outside the app, by another member or a bot) and `onOrgEvent` listeners hear `event`.
   */
  simulatePush(state: string, event: DeskEvent): void;
  /** As if the event stream went live or dropped. */
  simulateSync(sync: SyncState): void;
  /** As if the member clicked a notification, or the tray's count. */
  simulateOpenRequest(open: OpenRequest): void;
  /**
   * Something outside the app changed (the org API started answering): the recording goes on
   * from `state`, which it reached that way too (no call leads there).
   */
  reach(state: string): void;
  /** What the OS's open and save dialogs answer from now on. */
  answerDialogs(answers: DialogAnswers): void;
  /** How many times `command` was called (counted when called). */
  callCount(command: keyof Commands): number;
  /** How many calls of `command` have been answered (counted when the answer is given). */
  answeredCount(command: keyof Commands): number;
  /** How many times the open and save dialogs answered. */
  dialogsAnswered(): number;
  /** The files the core wrote (exports), by path. */
  exportedFiles(): ReadonlyMap<string, string>;
}

/** `a` and `b` as the same JSON (object keys in any order). */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

const PREFIX = "plugin:countersign|";

/** The host over `recording`. */
export function createReplayHost(recording: Recording, options: ReplayHostOptions = {}): ReplayHost {
  let current = options.state ?? recording.start;
  if (!(current in recording.states)) throw new Error(`the recording has no state ${current}`);
  const missed: string[] = [];
  const counts = new Map<string, number>();
  const answered = new Map<string, number>();
  const exported = new Map<string, string>();
  let dialogsAnswered = 0;
  const lockListeners = new Set<(reason: LockReason) => void>();
  const progressListeners = new Set<(progress: ImportProgress) => void>();
  const dropListeners = new Set<(paths: string[]) => void>();
  const eventListeners = new Set<(event: DeskEvent) => void>();
  const syncListeners = new Set<(sync: SyncState) => void>();
  const openListeners = new Set<(open: OpenRequest) => void>();
  let dialogs: DialogAnswers = { open: null, save: null };
  const latencyMs = options.latencyMs ?? 0;

  /** The recorded call for `name` with `args` in the current state. */
  function find(name: string, args: Record<string, unknown>): RecordedCall {
    const state = recording.states[current];
    const call = state?.calls.find((c) => c.command === name && sameJson(c.args, args));
    if (call === undefined) {
      const what = `${name}(${JSON.stringify(args)}) in state "${current}"`;
      missed.push(what);
      throw new HostError("internal", `No recording of ${what}: record it in src-tauri/tests/ui_fixtures/.`);
    }
    return call;
  }

  /** Answer `index` of the recording, as JSON gives it (a fresh copy each time). */
  const answer = (index: number): unknown => structuredClone(recording.answers[index]);

  async function invoke(command: string, args: Record<string, unknown>): Promise<unknown> {
    const name = command.startsWith(PREFIX) ? command.slice(PREFIX.length) : command;
    counts.set(name, (counts.get(name) ?? 0) + 1);
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    const call = find(name, args);
    answered.set(name, (answered.get(name) ?? 0) + 1);
    for (const event of call.events ?? []) progressListeners.forEach((listen) => listen(answer(event) as ImportProgress));
    for (const [path, text] of Object.entries(call.files ?? {})) exported.set(path, text);
    if (call.next !== undefined) current = call.next;
    if (call.error !== undefined) throw toHostError(answer(call.error));
    return call.ok === undefined ? undefined : answer(call.ok);
  }

  return {
    ...commands(invoke),
    state: () => current,
    nowMs: () => recording.states[current]?.clock_ms ?? 0,
    misses: () => [...missed],
    callCount: (command) => counts.get(COMMAND_DOORS[command].name) ?? 0,
    answeredCount: (command) => answered.get(COMMAND_DOORS[command].name) ?? 0,
    dialogsAnswered: () => dialogsAnswered,
    exportedFiles: () => exported,
    onLocked: (callback) => {
      lockListeners.add(callback);
      return () => lockListeners.delete(callback);
    },
    simulateSystemLock: (reason) => {
      // The core locks itself, then tells the window.
      const call = find("lock_app", {});
      if (call.next !== undefined) current = call.next;
      lockListeners.forEach((listen) => listen(reason));
    },
    chooseImportFiles: () => {
      dialogsAnswered += 1;
      return Promise.resolve(dialogs.open ?? null);
    },
    chooseSavePath: () => {
      dialogsAnswered += 1;
      return Promise.resolve(dialogs.save ?? null);
    },
    answerDialogs: (answers) => {
      dialogs = { ...dialogs, ...answers };
    },
    onLedgerImportProgress: (callback) => {
      progressListeners.add(callback);
      return () => progressListeners.delete(callback);
    },
    onFilesDropped: (callback) => {
      dropListeners.add(callback);
      return () => dropListeners.delete(callback);
    },
    simulateDrop: (paths) => dropListeners.forEach((listen) => listen(paths)),
    onOrgEvent: (callback) => {
      eventListeners.add(callback);
      return () => eventListeners.delete(callback);
    },
    onOrgSync: (callback) => {
      syncListeners.add(callback);
      return () => syncListeners.delete(callback);
    },
    simulatePush: (state, event) => {
      if (!(state in recording.states)) throw new Error(`the recording has no state ${state}`);
      current = state;
      eventListeners.forEach((listen) => listen(event));
    },
    simulateSync: (sync) => syncListeners.forEach((listen) => listen(sync)),
    onOpenRequest: (callback) => {
      openListeners.add(callback);
      return () => openListeners.delete(callback);
    },
    simulateOpenRequest: (open) => openListeners.forEach((listen) => listen(open)),
    reach: (state) => {
      if (!(state in recording.states)) throw new Error(`the recording has no state ${state}`);
      const byCall = Object.values(recording.states).some((s) => s.calls.some((c) => c.next === state));
      if (byCall) throw new Error(`${state} is reached by a call, not from outside the app`);
      current = state;
    },
  };
}
