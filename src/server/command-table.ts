// The command table as data: the kv layer's data commands merged with the server's connection
// commands, looked up by name in any case, with arity and unknown-command checks in one place
// and Redis's exact error texts (kv/'s own, so both layers answer alike).

import { assert } from '../lib/assert.js';
import type { Reply } from '../lib/reply.js';
import { arityError } from '../kv/args.js';
import { arityOk, unknownCommand } from '../kv/commands.js';
import { unknownSubcommand } from '../kv/subcommands.js';

export { unknownSubcommand };
import type { Session } from './session.js';

/** What COMMAND INFO / COMMAND DOCS and dispatch need to know about a command. */
export interface CommandMeta {
  /** Lowercase; subcommands are "container|sub" as Redis reports them. */
  readonly name: string;
  /** Argument count including the name; negative means "at least -arity". */
  readonly arity: number;
  readonly flags: readonly string[];
  readonly firstKey: number;
  readonly lastKey: number;
  readonly keyStep: number;
  readonly group: string;
  readonly since: string;
  readonly summary: string;
  readonly complexity: string;
}

export type ConnectionHandler = (session: Session, argv: readonly Buffer[]) => Reply | Promise<Reply>;

export type TableEntry =
  /** Runs in the backend: through the log when flagged `write`, against state otherwise. */
  | { readonly kind: 'data'; readonly meta: CommandMeta; readonly write: boolean; readonly blocking: boolean }
  /** Runs in the server against the connection (PING, HELLO, CLIENT, MULTI...). */
  | { readonly kind: 'connection'; readonly meta: CommandMeta; readonly handler: ConnectionHandler }
  /** A container (CLIENT, CONFIG, COMMAND): dispatches on its first argument. */
  | {
      readonly kind: 'container';
      readonly meta: CommandMeta;
      readonly subcommands: ReadonlyMap<string, TableEntry>;
      /** What the container does without a subcommand (COMMAND alone lists every command). */
      readonly bare?: ConnectionHandler;
    };

export type Resolved = { readonly ok: true; readonly entry: TableEntry } | { readonly ok: false; readonly error: Reply };

/** A top-level command under its lowercase name bytes, with the resolution `resolve` hands out for it. */
interface Named {
  readonly name: Buffer;
  readonly entry: TableEntry;
  readonly resolved: Resolved;
}

export class CommandTable {
  private readonly byName = new Map<string, TableEntry>();
  /** Top-level commands by a case-folded hash of their name bytes: lookup without a string. */
  private readonly byHash = new Map<number, Named[]>();
  private readonly entries: TableEntry[] = [];
  /** The command last looked up (pipelines repeat one command): compared before hashing. */
  private last: Named | undefined;

  constructor(dataCommands: readonly CommandMeta[], serverCommands: readonly TableEntry[]) {
    const answeredHere = new Set(serverCommands.map((entry) => entry.meta.name));
    for (const meta of dataCommands) {
      // Internal commands (active expiry) are proposed by Cairn itself, never by clients; a server
      // command of the same name (PUBLISH: kv applies it, the server answers) takes its place.
      if (meta.flags.includes('internal') || answeredHere.has(meta.name)) continue;
      this.add({ kind: 'data', meta, write: meta.flags.includes('write'), blocking: meta.flags.includes('blocking') });
    }
    for (const entry of serverCommands) this.add(entry);
    assert(this.entries.length > 0, 'the command table is empty');
  }

  get count(): number {
    return this.entries.length;
  }

  all(): readonly TableEntry[] {
    return this.entries;
  }

  /** The entry for a name in any case (the name as a latin1 string). */
  lookup(name: string): TableEntry | undefined {
    return this.byName.get(name) ?? this.byName.get(name.toLowerCase());
  }

  /** The entry for a name given as bytes, in any case. */
  lookupBytes(name: Uint8Array): TableEntry | undefined {
    return this.find(name)?.entry;
  }

  /** Finds the command for argv and checks its arity, descending into containers. */
  resolve(argv: readonly Buffer[]): Resolved {
    assert(argv.length > 0, 'resolve needs a command name');
    const named = this.find(argv[0]!);
    if (named === undefined) return { ok: false, error: unknownCommand(argv) };
    const entry = named.entry;
    if (!arityOk(entry.meta.arity, argv.length)) return { ok: false, error: arityError(entry.meta.name) };
    if (entry.kind !== 'container') return named.resolved;
    if (argv.length === 1) {
      assert(entry.bare !== undefined, 'a container callable alone has a bare handler');
      return { ok: true, entry: { kind: 'connection', meta: entry.meta, handler: entry.bare } };
    }
    const subName = argv[1]!.toString('utf8');
    const sub = entry.subcommands.get(subName.toLowerCase());
    if (sub === undefined) return { ok: false, error: unknownSubcommand(entry.meta.name, subName) };
    if (!arityOk(sub.meta.arity, argv.length)) return { ok: false, error: arityError(sub.meta.name) };
    return { ok: true, entry: sub };
  }

  /** The top-level command named by these bytes in any case; allocates nothing. */
  private find(name: Uint8Array): Named | undefined {
    const last = this.last;
    if (last !== undefined && foldedEqual(last.name, name)) return last;
    const bucket = this.byHash.get(foldedHash(name));
    if (bucket === undefined) return undefined;
    for (const candidate of bucket) {
      if (!foldedEqual(candidate.name, name)) continue;
      this.last = candidate;
      return candidate;
    }
    return undefined;
  }

  private add(entry: TableEntry): void {
    const name = entry.meta.name;
    assert(name === name.toLowerCase(), `command names are lowercase: ${name}`);
    assert(!this.byName.has(name), `command ${name} defined twice`);
    this.byName.set(name, entry);
    this.byName.set(name.toUpperCase(), entry);
    const bytes = Buffer.from(name, 'latin1');
    const bucket = this.byHash.get(foldedHash(bytes)) ?? [];
    bucket.push({ name: bytes, entry, resolved: Object.freeze({ ok: true, entry }) });
    this.byHash.set(foldedHash(bytes), bucket);
    this.entries.push(entry);
  }
}

/** ASCII letters folded to lowercase, other bytes as they are. */
function fold(byte: number): number {
  return byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte;
}

function foldedHash(bytes: Uint8Array): number {
  let hash = bytes.length;
  for (let i = 0; i < bytes.length; i++) hash = (Math.imul(hash, 31) + fold(bytes[i]!)) | 0;
  return hash;
}

function foldedEqual(lower: Uint8Array, bytes: Uint8Array): boolean {
  if (lower.length !== bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (lower[i] !== fold(bytes[i]!)) return false;
  return true;
}
