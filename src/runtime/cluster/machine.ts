// The state machine of a replicated node: the kv store plus the address book. A CAIRN.MEMBER entry
// changes the book (and never reaches kv); every other entry goes to kv. A snapshot carries both,
// so a node that catches up by snapshot learns the addresses of members added while it was away:
//
//   "CAIRNCL\0" | u32 format version | u32 bookBytes | book (JSON, sorted ids) | kv snapshot bytes
//
// A snapshot in kv's own format (written before the book was replicated) restores kv only.

import { assert } from '../../lib/assert.js';
import { CairnError } from '../../lib/errors.js';
import { OK, type Reply } from '../../lib/reply.js';
import { KvState } from '../../kv/state.js';
import { KvMachine } from '../../replica/kv-machine.js';
import { memberChangeOf, type MemberChange, type MemberDirectory } from './members.js';

const MAGIC = Buffer.from('CAIRNCL\u0000', 'latin1');
const KV_MAGIC = Buffer.from('CAIRNKV\u0000', 'latin1');
const FORMAT_VERSION = 1;
const headerBytes = MAGIC.length + 4 + 4;

/** Told after the book changed, by an applied entry or by a restored snapshot, with the save of members.json. */
export type BookListener = (change: MemberChange | 'restored', saved: Promise<void>) => void;

export class ClusterMachine extends KvMachine {
  constructor(
    readonly book: MemberDirectory,
    private readonly changed: BookListener,
  ) {
    super();
  }

  override apply(data: Uint8Array, index: number): Reply[] {
    const change = memberChangeOf(data);
    if (change === undefined) return super.apply(data, index);
    this.changed(change, this.book.apply(change));
    return [OK];
  }

  override snapshot(): Uint8Array {
    const book = this.book.encode();
    const kv = super.snapshot();
    const out = Buffer.allocUnsafe(headerBytes + book.length + kv.length);
    MAGIC.copy(out, 0);
    out.writeUInt32LE(FORMAT_VERSION, MAGIC.length);
    out.writeUInt32LE(book.length, MAGIC.length + 4);
    out.set(book, headerBytes);
    out.set(kv, headerBytes + book.length);
    assert(out.length === headerBytes + book.length + kv.length, 'the snapshot holds header, book and kv exactly');
    return out;
  }

  /** Replaces kv and the book; a bad snapshot throws CAIRN_CORRUPT before either changes (kv is decoded and the book checked before anything is swapped in). */
  override restore(data: Uint8Array): void {
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (bytes.length >= KV_MAGIC.length && bytes.subarray(0, KV_MAGIC.length).equals(KV_MAGIC)) {
      super.restore(data);
      return;
    }
    if (bytes.length < headerBytes || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) throw new CairnError('CAIRN_CORRUPT', 'not a Cairn cluster snapshot (bad magic)');
    const version = bytes.readUInt32LE(MAGIC.length);
    if (version !== FORMAT_VERSION) throw new CairnError('CAIRN_FORMAT', `cluster snapshot format ${version} is not supported (this build reads ${FORMAT_VERSION})`);
    const bookBytes = bytes.readUInt32LE(MAGIC.length + 4);
    if (bookBytes > bytes.length - headerBytes) throw new CairnError('CAIRN_CORRUPT', `cluster snapshot: book of ${bookBytes} bytes runs past the end`);
    const book = bytes.subarray(headerBytes, headerBytes + bookBytes);
    const state = KvState.decodeSnapshot(bytes.subarray(headerBytes + bookBytes));
    const saved = this.book.restore(book);
    this.state = state;
    this.changed('restored', saved);
  }
}
