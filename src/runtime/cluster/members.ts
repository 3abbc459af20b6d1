// The address book of a replicated node: each member's peer address and client address. It is
// replicated state: it starts from --peers, changes when a CAIRN.MEMBER entry is applied (every
// member announces its own client address through the log, cluster/announce.ts; CLUSTER ADDNODE
// announces a new member's addresses before the membership change, CLUSTER REMOVENODE forgets
// them after it), and travels in snapshots (cluster/machine.ts), so a node that catches up by
// snapshot learns members added meanwhile. A member whose client address nobody announced yet
// has none: nothing guesses it. The book also remembers every id ever removed (forgotten), so
// CLUSTER ADDNODE can refuse to bring one back (a removed node must rejoin under a new id, since a
// blank node under an old id could vote in a configuration that counted its lost log,
// docs/CLUSTER.md), and an announcement for a removed id changes nothing. A copy is kept in
// <dir>/members.json so a restarted node can dial its peers before it has replayed anything.
//
// What this node serves (the live `clients` map, shared with the ClusterTopology) is the
// replicated book with two local layers on top: this node's own client address from its flags,
// and the --client-addrs overrides (a proxy or NAT address this node must use for a member).

import { CLUSTER_MEMBERS_MAX, REMOVED_IDS_MAX } from '../../lib/limits.js';
import { join } from 'node:path';
import { assert } from '../../lib/assert.js';
import { CairnError, errorMessage } from '../../lib/errors.js';
import type { Disk } from '../../io/disk.js';
import { writeFileAtomically } from '../../storage/atomic-file.js';
import { decodeEntry } from '../../kv/entry.js';
import type { ClientAddress } from '../../server/cluster-topology.js';
import { formatPeerAddress, parsePeerAddress } from '../peer/address.js';

export const MEMBER_COMMAND = Buffer.from('CAIRN.MEMBER');
const membersFile = 'members.json';
/** Largest encoded book accepted from a snapshot or members.json. */
const bookBytesMax = 1024 * 1024;
/** Offset of the first command's name in an encoded kv entry (format, time, count, argc, length). */
const firstNameOffset = 1 + 8 + 4 + 4 + 4;

export type MemberChange = { readonly kind: 'set'; readonly id: string; readonly peer: string; readonly client: ClientAddress } | { readonly kind: 'forget'; readonly id: string };

interface BookJson {
  peers: Record<string, string>;
  clients: Record<string, string>;
  removed: string[];
}

export class MemberDirectory {
  /** Live, what this node serves and relays to: the replicated client addresses, then the overrides, then its own. The topology reads this very map. */
  readonly clients = new Map<string, ClientAddress>();
  readonly peers = new Map<string, string>();
  /** The replicated client addresses: what the log and snapshots say, this node's own entry included (as announced). */
  private readonly announced = new Map<string, ClientAddress>();
  /** --client-addrs: addresses this node uses for other members whatever they announce. */
  private readonly overrides = new Map<string, ClientAddress>();
  /** Every id removed from the cluster so far (never re-added under that id). */
  readonly removed = new Set<string>();
  /** Saves run one after another, so an older book never overwrites a newer one. */
  private saving: Promise<void> = Promise.resolve();

  private constructor(
    private readonly disk: Disk,
    private readonly dir: string,
    private readonly selfId: string,
    private readonly selfPeer: string,
    private selfClient: ClientAddress,
  ) {}

  /**
   * The book this node saved (members.json) if any, else the peers of the flags; this node's own
   * addresses always from the flags. `clients` holds this node's own client address and the
   * --client-addrs overrides for others.
   */
  static async load(disk: Disk, dir: string, selfId: string, peers: ReadonlyMap<string, string>, clients: ReadonlyMap<string, ClientAddress>): Promise<MemberDirectory> {
    const selfPeer = peers.get(selfId);
    const selfClient = clients.get(selfId);
    assert(selfPeer !== undefined, 'the flags give this node\'s peer address');
    assert(selfClient !== undefined, 'the flags give this node\'s client address');
    const directory = new MemberDirectory(disk, dir, selfId, selfPeer, selfClient);
    for (const [id, peer] of peers) directory.peers.set(id, peer);
    for (const [id, client] of clients) if (id !== selfId) directory.overrides.set(id, client);
    directory.serve();
    const file = join(dir, membersFile);
    const bytes = await disk.readFile(file);
    if (bytes === undefined) return directory;
    try {
      directory.replace(bytes);
    } catch (error) {
      throw new CairnError('CAIRN_CORRUPT', `${file}: ${errorMessage(error)}; fix or remove it to fall back to --peers`);
    }
    return directory;
  }

  /** This node's own client address, once known (a server started on port 0 learns its port after listening). */
  setOwnClient(address: ClientAddress): void {
    assert(address.port > 0, 'a bound client port');
    this.selfClient = address;
    this.serve();
  }

  /** This node's own client address, the one it serves on and announces. */
  ownClient(): ClientAddress {
    return this.selfClient;
  }

  /** The client address the replicated book holds for `id` (undefined when none was announced). */
  announcedClient(id: string): ClientAddress | undefined {
    return this.announced.get(id);
  }

  /** True once the replicated book holds this node's own client address as it serves now. */
  ownClientAnnounced(): boolean {
    const announced = this.announced.get(this.selfId);
    return announced !== undefined && sameClient(announced, this.selfClient);
  }

  /**
   * Applies a change in memory at once and returns the save of the book. An announcement for a
   * removed id changes nothing (it raced the removal); this node's own peer address stays its flags'.
   */
  apply(change: MemberChange): Promise<void> {
    if (change.kind === 'forget' && this.removed.size < REMOVED_IDS_MAX) this.removed.add(change.id);
    const self = change.id === this.selfId;
    if (change.kind === 'set' && !this.removed.has(change.id)) {
      assert(this.peers.size < CLUSTER_MEMBERS_MAX || this.peers.has(change.id), 'the address book is bounded');
      if (!self) this.peers.set(change.id, change.peer);
      this.announced.set(change.id, change.client);
    } else if (change.kind === 'forget') {
      if (!self) this.peers.delete(change.id);
      this.announced.delete(change.id);
    }
    this.serve();
    return this.save();
  }

  /** The whole book, deterministically (sorted ids), as it goes into a snapshot. */
  encode(): Uint8Array {
    const ids = [...this.peers.keys()].sort();
    const book: BookJson = { peers: {}, clients: {}, removed: [...this.removed].sort() };
    for (const id of ids) book.peers[id] = this.peers.get(id)!;
    for (const id of [...this.announced.keys()].sort()) book.clients[id] = formatPeerAddress(this.announced.get(id)!);
    return Buffer.from(JSON.stringify(book), 'utf8');
  }

  /** Replaces the book with an encoded one (from a snapshot) and returns its save; throws CAIRN_CORRUPT on a bad book, changing nothing. */
  restore(bytes: Uint8Array): Promise<void> {
    this.replace(bytes);
    return this.save();
  }

  /** Parses and checks the whole book first, then swaps it in; this node's own entry stays. */
  private replace(bytes: Uint8Array): void {
    if (bytes.length > bookBytesMax) throw new CairnError('CAIRN_CORRUPT', `address book of ${bytes.length} bytes exceeds ${bookBytesMax}`);
    const book = parseBook(bytes);
    this.peers.clear();
    this.announced.clear();
    this.removed.clear();
    for (const id of book.removed) this.removed.add(id);
    for (const [id, peer] of book.peers) this.peers.set(id, peer);
    for (const [id, client] of book.clients) this.announced.set(id, client);
    this.peers.set(this.selfId, this.selfPeer);
    this.serve();
  }

  /** Rebuilds the served map in place: announced addresses of members in the book, overrides on top, this node's own last. */
  private serve(): void {
    this.clients.clear();
    for (const [id, client] of this.announced) if (this.peers.has(id)) this.clients.set(id, client);
    for (const [id, client] of this.overrides) if (this.peers.has(id)) this.clients.set(id, client);
    this.clients.set(this.selfId, this.selfClient);
    assert(this.clients.size <= this.peers.size, 'every served address belongs to a member in the book');
  }

  /** Replaces members.json, durable when it resolves (storage/atomic-file.ts), after any save already under way. */
  private save(): Promise<void> {
    const body = this.encode();
    const next = this.saving.catch(() => undefined).then(() => writeFileAtomically(this.disk, this.dir, membersFile, body));
    this.saving = next;
    return next;
  }
}

/** A book's JSON, checked: bounded, every address parses. Old files stored client addresses as {host, port}. */
function parseBook(bytes: Uint8Array): { peers: Map<string, string>; clients: Map<string, ClientAddress>; removed: string[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    throw new CairnError('CAIRN_CORRUPT', `address book is not valid JSON (${errorMessage(error)})`);
  }
  if (typeof raw !== 'object' || raw === null) throw new CairnError('CAIRN_CORRUPT', 'address book is not a JSON object');
  const { peers: rawPeers, clients: rawClients, removed: rawRemoved } = raw as { peers?: unknown; clients?: unknown; removed?: unknown };
  const removed = rawRemoved === undefined ? [] : rawRemoved;
  if (!Array.isArray(removed) || removed.length > REMOVED_IDS_MAX || !removed.every((id) => typeof id === 'string')) {
    throw new CairnError('CAIRN_CORRUPT', `address book: "removed" must be a list of at most ${REMOVED_IDS_MAX} ids`);
  }
  const peers = new Map<string, string>();
  const clients = new Map<string, ClientAddress>();
  try {
    for (const [id, peer] of Object.entries(objectOf(rawPeers)).slice(0, CLUSTER_MEMBERS_MAX)) {
      // Port 0: a one-member cluster's own entry, without a peer listener.
      peers.set(id, formatPeerAddress(parsePeerAddress(String(peer), 0)));
    }
    for (const [id, client] of Object.entries(objectOf(rawClients)).slice(0, CLUSTER_MEMBERS_MAX)) {
      const address = typeof client === 'string' ? client : formatPeerAddress({ host: String((client as { host?: unknown }).host), port: Number((client as { port?: unknown }).port) });
      clients.set(id, parsePeerAddress(address));
    }
  } catch (error) {
    throw new CairnError('CAIRN_CORRUPT', `address book: ${errorMessage(error)}`);
  }
  return { peers, clients, removed: removed as string[] };
}

function sameClient(a: ClientAddress, b: ClientAddress): boolean {
  return a.host === b.host && a.port === b.port;
}

function objectOf(value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new CairnError('CAIRN_CORRUPT', 'expected an object of id → address');
  return value as Record<string, unknown>;
}

/** The member change a committed kv entry carries, if it is a CAIRN.MEMBER entry of one command (cheap check first). */
export function memberChangeOf(data: Uint8Array): MemberChange | undefined {
  if (data.length < firstNameOffset + MEMBER_COMMAND.length) return undefined;
  for (let i = 0; i < MEMBER_COMMAND.length; i++) if (data[firstNameOffset + i] !== MEMBER_COMMAND[i]) return undefined;
  let commands: readonly (readonly Uint8Array[])[];
  try {
    commands = decodeEntry(data).commands;
  } catch {
    return undefined;
  }
  const argv = commands[0];
  if (commands.length !== 1 || argv === undefined || !Buffer.from(argv[0]!).equals(MEMBER_COMMAND)) return undefined;
  const text = argv.map((arg) => Buffer.from(arg).toString('utf8'));
  if (text.length === 2) return { kind: 'forget', id: text[1]! };
  if (text.length !== 4) return undefined;
  try {
    return { kind: 'set', id: text[1]!, peer: formatPeerAddress(parsePeerAddress(text[2]!)), client: parsePeerAddress(text[3]!) };
  } catch {
    return undefined;
  }
}
