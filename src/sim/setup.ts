// The production wiring the simulator runs: the real Raft core, the real storage (RaftStorage on
// the simulated disk) and the real kv state machine.

import { RaftNode } from '../raft/node.js';
import { RaftStorage } from '../replica/raft-storage.js';
import type { KvMachine } from '../replica/kv-machine.js';
import { KV_MODEL } from './kv-model.js';
import type { SimSetup } from './run.js';

/** Small segments so a short run rolls, compacts and recovers several of them. */
const SIM_SEGMENT_BYTES = 4 * 1024;

export const PRODUCTION_SETUP: SimSetup<KvMachine> = {
  model: KV_MODEL,
  createNode: (config, persisted) => new RaftNode(config, persisted),
  openStorage: (disk, dir) => RaftStorage.open(disk, dir, { segmentBytesMax: SIM_SEGMENT_BYTES }),
};
