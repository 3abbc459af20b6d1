// The address book of a replicated node: each member's peer address and client address. It starts
// from --peers/--client-addrs, is kept in <dir>/members.json, and changes when a CAIRN.MEMBER entry
// is applied (CLUSTER ADDNODE announces a new member's addresses through the log before the
// membership change, CLUSTER REMOVENODE forgets them after it), so every node that applies the
// log learns them. The live client map is shared with the ClusterTopology.

import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { assert } from '../lib/assert.js';
import { CairnError } from '../lib/errors.js';
import { decodeEntry } from '../kv/entry.js';
import type { ClientAddress } from '../server/cluster-topology.js';
import { parsePeerAddress } from './peer-address.js';

export const MEMBER_COMMAND = Buffer.from('CAIRN.MEMBER');
/** Most members the book holds. */
const maxMembers = 1024;
/** Offset of the first command's name in an encoded kv entry (format, time, count, argc, length). */
const firstNameOffset = 1 + 8 + 4 + 4 + 4;

export type MemberChange = { readonly kind: 'set'; readonly id: string; readonly peer: string; readonly client: ClientAddress } | { readonly kind: 'forget'; readonly id: string };

export class MemberDirectory {
  /** Live: the topology reads this very map. */
  readonly clients = new Map<string, ClientAddress>();
  readonly peers = new Map<string, string>();

  private constructor(private readonly file: string) {}

  /** The book this node saved (members.json) if any, else the flags; this node's own addresses always from the flags. */
  static async load(dir: string, selfId: string, peers: ReadonlyMap<string, string>, clients: ReadonlyMap<string, ClientAddress>): Promise<MemberDirectory> {
    const directory = new MemberDirectory(join(dir, 'members.json'));
    for (const [id, peer] of peers) directory.peers.set(id, peer);
    for (const [id, client] of clients) directory.clients.set(id, client);
    const text = await readFile(directory.file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    if (text === null) return directory;
    let saved: { peers?: Record<string, string>; clients?: Record<string, ClientAddress> };
    try {
      saved = JSON.parse(text) as typeof saved;
    } catch (error) {
      throw new CairnError('CAIRN_CORRUPT', `${directory.file}: not valid JSON (${error instanceof Error ? error.message : String(error)}); fix or remove it to fall back to --peers`);
    }
    directory.peers.clear();
    directory.clients.clear();
    for (const [id, peer] of Object.entries(saved.peers ?? {}).slice(0, maxMembers)) directory.peers.set(id, peer);
    for (const [id, client] of Object.entries(saved.clients ?? {}).slice(0, maxMembers)) directory.clients.set(id, { host: String(client.host), port: Number(client.port) });
    directory.peers.set(selfId, peers.get(selfId)!);
    directory.clients.set(selfId, clients.get(selfId)!);
    return directory;
  }

  /** Applies a change and saves the book (atomically: write a temp file, then rename). */
  async apply(change: MemberChange): Promise<void> {
    if (change.kind === 'set') {
      assert(this.peers.size < maxMembers || this.peers.has(change.id), 'the address book is bounded');
      this.peers.set(change.id, change.peer);
      this.clients.set(change.id, change.client);
    } else {
      this.peers.delete(change.id);
      this.clients.delete(change.id);
    }
    const body = JSON.stringify({ peers: Object.fromEntries(this.peers), clients: Object.fromEntries(this.clients) });
    await writeFile(`${this.file}.tmp`, body);
    await rename(`${this.file}.tmp`, this.file);
  }
}

/** The member change a committed kv entry carries, if it is a CAIRN.MEMBER entry (cheap check first). */
export function memberChangeOf(data: Uint8Array): MemberChange | undefined {
  if (data.length < firstNameOffset + MEMBER_COMMAND.length) return undefined;
  for (let i = 0; i < MEMBER_COMMAND.length; i++) if (data[firstNameOffset + i] !== MEMBER_COMMAND[i]) return undefined;
  const argv = decodeEntry(data).commands[0];
  if (argv === undefined || !Buffer.from(argv[0]!).equals(MEMBER_COMMAND)) return undefined;
  const text = argv.map((arg) => Buffer.from(arg).toString('utf8'));
  if (text.length === 2) return { kind: 'forget', id: text[1]! };
  if (text.length !== 4) return undefined;
  try {
    parsePeerAddress(text[2]!);
    return { kind: 'set', id: text[1]!, peer: text[2]!, client: parsePeerAddress(text[3]!) };
  } catch {
    return undefined;
  }
}
