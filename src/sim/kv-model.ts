// The simulator's default model: the real kv state machine (KvMachine) driven by real kv log
// entries (SET, INCRBY, DEL), read with GET semantics.

import { Buffer } from 'node:buffer';
import { decodeEntry, encodeEntry } from '../kv/entry.js';
import { keyOf } from '../kv/bytes.js';
import { KvMachine } from '../replica/kv-machine.js';
import type { SimModel, WriteOp } from './model.js';

const bytes = (text: string): Uint8Array => Buffer.from(text, 'latin1');

function command(op: WriteOp): Uint8Array[] {
  if (op.kind === 'write') return [bytes('SET'), bytes(op.key), bytes(op.value)];
  if (op.kind === 'incr') return [bytes('INCRBY'), bytes(op.key), bytes(String(op.delta))];
  return [bytes('DEL'), bytes(op.key)];
}

export const KV_MODEL: SimModel<KvMachine> = {
  name: 'kv',
  createStateMachine: () => new KvMachine(),
  encode: (op, nowMs) => encodeEntry({ nowMs, commands: [command(op)] }),
  describe: (data) => {
    try {
      const entry = decodeEntry(data);
      return entry.commands.map((argv) => argv.map((arg) => Buffer.from(arg).toString('latin1')).join(' ')).join('; ');
    } catch {
      return `<${data.length} undecodable bytes>`;
    }
  },
  read: (machine, key, nowMs) => {
    const value = machine.state.getValue(keyOf(bytes(key)), nowMs);
    return value === undefined ? null : Buffer.from(value).toString('latin1');
  },
};
