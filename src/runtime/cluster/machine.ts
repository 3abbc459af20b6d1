// The state machine of a replicated node: the kv store plus the address book. A CAIRN.MEMBER entry
// changes the book (and never reaches kv); every other entry goes to kv. A snapshot carries both,
// so a node that catches up by snapshot learns the addresses of members added while it was away:
//
//   "CAIRNCL\0" | u32 format version | u32 bookBytes | book (JSON, sorted ids) | kv snapshot bytes
//
// A snapshot in kv's own format (written before the book was replicated) restores kv only.

import { CairnError } from '../../lib/errors.js';
import { OK, type Reply } from '../../lib/reply.js';
import { KvState } from '../../kv/state.js';
import { KvMachine } from '../../replica/kv-machine.js';
import type { PendingApply, Steps } from '../../replica/ports.js';
import { memberChangeOf, type MemberChange, type MemberDirectory } from './members.js';

const MAGIC = Buffer.from('CAIRNCL\u0000', 'latin1');
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

  override apply(data: Uint8Array, index: number): Reply[] | PendingApply {
    const change = memberChangeOf(data);
    if (change === undefined) return super.apply(data, index);
    this.changed(change, this.book.apply(change));
    return [OK];
  }

  /** The header and book go first, into the buffer kv's encoder makes: the kv bytes are never copied. */
  override snapshotSteps(): Steps<Uint8Array> {
    const book = this.book.encode();
    const prefix = Buffer.allocUnsafe(headerBytes + book.length);
    MAGIC.copy(prefix, 0);
    prefix.writeUInt32LE(FORMAT_VERSION, MAGIC.length);
    prefix.writeUInt32LE(book.length, MAGIC.length + 4);
    prefix.set(book, headerBytes);
    return this.state.snapshotEncoder(prefix);
  }

  /**
   * Replaces kv and the book; a bad snapshot throws CAIRN_CORRUPT before either changes (kv is
   * decoded, in steps, and the book checked before anything is swapped in by the last step).
   */
  override restoreSteps(data: Uint8Array): Steps<true> {
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (KvState.isSnapshot(bytes)) return super.restoreSteps(data);
    if (bytes.length < headerBytes || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) throw new CairnError('CAIRN_CORRUPT', 'not a Cairn cluster snapshot (bad magic)');
    const version = bytes.readUInt32LE(MAGIC.length);
    if (version !== FORMAT_VERSION) throw new CairnError('CAIRN_FORMAT', `cluster snapshot format ${version} is not supported (this build reads ${FORMAT_VERSION})`);
    const bookBytes = bytes.readUInt32LE(MAGIC.length + 4);
    if (bookBytes > bytes.length - headerBytes) throw new CairnError('CAIRN_CORRUPT', `cluster snapshot: book of ${bookBytes} bytes runs past the end`);
    const book = bytes.subarray(headerBytes, headerBytes + bookBytes);
    const decoder = KvState.snapshotDecoder(bytes.subarray(headerBytes + bookBytes));
    return {
      step: (budget: number): true | null => {
        const state = decoder.step(budget);
        if (state === null) return null;
        const saved = this.book.restore(book);
        this.state = state;
        this.changed('restored', saved);
        return true;
      },
    };
  }
}
