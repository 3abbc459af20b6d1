// Records every error reply a server gave the libraries under test, so a run shows what Cairn
// refused that redis-server accepted: ioredis's sendCommand is wrapped once per process (BullMQ,
// Redlock and rate-limiter-flexible all send through ioredis connections and their duplicates),
// and a script sent by EVAL/EVALSHA is named by the command it was defined as (BullMQ's
// `moveToFinished`, rate-limiter-flexible's `rlflxIncr`). Only server error replies are kept,
// not lost connections or timeouts.
import { Redis, ReplyError } from 'ioredis';

export interface Refusal {
  readonly target: string;
  /** The command, with the script's defined name for EVAL/EVALSHA. */
  readonly command: string;
  readonly message: string;
}

const recorded: Refusal[] = [];
const targetOfPort = new Map<number, string>();
const scriptNames = new Map<string, string>();

/** Names a script a library sends with EVAL/EVALSHA itself rather than through ioredis's defineCommand (Redlock's). */
export function nameScript(sha: string, name: string): void {
  scriptNames.set(sha, name);
}

/** Errors from a connection to `port` are counted under `target` (a target's kind). */
export function nameTarget(port: number, target: string): void {
  targetOfPort.set(port, target);
}

/** Records an error reply from a client other than ioredis (connect-redis runs on node-redis). */
export function recordRefusal(target: string, command: string, message: string): void {
  recorded.push({ target, command, message });
}

/** The refusals seen from `target`, or all. */
export function refusals(target?: string): readonly Refusal[] {
  return recorded.filter((r) => target === undefined || r.target === target);
}

/** One line per distinct command and message, with counts. */
export function refusalSummary(target: string): string {
  const counts = new Map<string, number>();
  for (const r of refusals(target)) {
    const line = `${r.command}: ${r.message}`;
    counts.set(line, (counts.get(line) ?? 0) + 1);
  }
  if (counts.size === 0) return `error replies from ${target}: none`;
  return [`error replies from ${target}:`, ...[...counts].map(([line, n]) => `  ${n}× ${line}`)].join('\n');
}

interface SentCommand {
  name: string;
  args: unknown[];
  promise: Promise<unknown>;
}

interface DefinedScript {
  readonly sha: string;
  readonly lua: string;
}

/** `evalsha <sha>` or `eval <lua>` named after the script ioredis defined it as. */
function commandName(client: Redis, command: SentCommand): string {
  const name = command.name.toLowerCase();
  if (name !== 'eval' && name !== 'evalsha') return name;
  const first = String(command.args[0]);
  const named = scriptNames.get(first);
  if (named !== undefined) return `${name} (${named})`;
  const scripts = (client as unknown as { scriptsSet: Record<string, DefinedScript> }).scriptsSet;
  for (const [defined, script] of Object.entries(scripts)) {
    if (script.sha === first || script.lua === first) return `${name} (${defined})`;
  }
  return `${name} ${first.slice(0, 60).replace(/\s+/g, ' ')}`;
}

const wrapped = Symbol.for('cairn.libs.refusals');
const proto = Redis.prototype as unknown as Record<string | symbol, unknown> & { sendCommand: (this: Redis, command: SentCommand, stream?: unknown) => unknown };
if (proto[wrapped] !== true) {
  proto[wrapped] = true;
  const send = proto.sendCommand;
  proto.sendCommand = function sendCommand(this: Redis, command: SentCommand, stream?: unknown): unknown {
    const result = send.call(this, command, stream);
    command.promise.catch((error: unknown) => {
      if (!(error instanceof ReplyError)) return;
      const target = targetOfPort.get(Number(this.options.port)) ?? `port ${this.options.port}`;
      recorded.push({ target, command: commandName(this, command), message: (error as Error).message.slice(0, 160) });
    });
    return result;
  };
}
