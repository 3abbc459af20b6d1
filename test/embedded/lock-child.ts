// Child process for kvstore.test.ts: tries to open a folder another process holds and prints the
// error's code and message as JSON.  Usage: node --import tsx lock-child.ts DIR

import { KVStore } from '../../src/index.js';
import { isCairnError } from '../../src/lib/errors.js';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: lock-child.ts DIR');
try {
  const store = await KVStore.open(dir);
  await store.close();
  process.stdout.write(JSON.stringify({ code: 'OPENED', message: '' }));
} catch (error) {
  process.stdout.write(JSON.stringify({ code: isCairnError(error) ? error.code : 'OTHER', message: String(error) }));
}
