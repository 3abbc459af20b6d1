// Cuts a damaged log at its first bad record (`cairn check --repair`): the damaged file is truncated
// there (or removed when its header is bad) and every later segment is removed. Durable on return.

import { assert } from '../lib/assert.js';
import type { Disk } from '../io/disk.js';
import type { LogDamage } from './log-recovery.js';

export async function cutLogAtDamageDurably(disk: Disk, dir: string, damage: LogDamage): Promise<void> {
  assert(damage.offset >= 0, 'damage offset is a byte position');
  for (const path of [...damage.laterPaths].reverse()) await disk.remove(path);
  if (damage.dropWholeFile) {
    await disk.remove(damage.path);
  } else {
    const file = await disk.openFile(damage.path);
    try {
      assert(file.sizeBytes() >= damage.offset, 'damage lies inside the file');
      await file.truncate(damage.offset);
      await file.sync();
    } finally {
      await file.close();
    }
  }
  await disk.syncDir(dir);
}
