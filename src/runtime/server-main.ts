// Process wiring for one Cairn node: the real disk and clock, the store in the data folder, the
// kv command table, and the network server in front of them. Used by `cairn server` and tests.

import { KV_COMMANDS } from '../kv/commands.js';
import { Store } from '../store/store.js';
import type { ServerSettings } from '../server/config.js';
import { CairnServer } from '../server/server.js';
import { StoreBackend } from '../server/store-backend.js';
import { WriteCoalescer } from '../server/write-coalescer.js';
import { NodeDisk } from './disk.js';
import { SystemClock } from './clock.js';

export const cairnVersion = '0.1.0';

/** Opens the store in settings.dir and serves it on settings.host:settings.port. */
export async function startNode(settings: ServerSettings, configFile?: string): Promise<CairnServer> {
  const clock = new SystemClock();
  const store = await Store.open({ dir: settings.dir, disk: new NodeDisk(), clock, fsync: settings.fsync });
  try {
    return await CairnServer.listen({
      // One log entry per event-loop turn for all clients' writes, as Redis writes its AOF.
      backend: new WriteCoalescer(new StoreBackend(store, clock)),
      dataCommands: [...KV_COMMANDS.values()],
      settings,
      clock,
      version: cairnVersion,
      ...(configFile === undefined ? {} : { configFile }),
    });
  } catch (error) {
    await store.close();
    throw error;
  }
}
