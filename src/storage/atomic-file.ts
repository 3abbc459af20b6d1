// Atomic replacement of a small file: write a temp file, fdatasync it, rename it over the target,
// fsync the folder. A crash at any moment leaves either the old file or the new one, never a mix,
// and once it resolves the new one survives a crash. Every file Cairn replaces whole goes through
// here: the hard state, snapshots, a reset log segment, the cluster identity and the address book.

import { assert } from '../lib/assert.js';
import type { Disk } from '../io/disk.js';

export const TEMP_SUFFIX = '.tmp';

export async function writeFileAtomically(disk: Disk, dir: string, name: string, bytes: Uint8Array): Promise<void> {
  assert(!name.includes('/'), 'name is a file name, not a path');
  assert(!name.endsWith(TEMP_SUFFIX), 'target is not a temp file');
  const temp = `${dir}/${name}${TEMP_SUFFIX}`;
  await disk.remove(temp);
  const file = await disk.openFile(temp);
  try {
    assert(file.sizeBytes() === 0, 'temp file starts empty');
    await file.append(bytes);
    await file.sync();
  } finally {
    await file.close();
  }
  await disk.rename(temp, `${dir}/${name}`);
  await disk.syncDir(dir);
}

/** Removes temp files a crash left behind; they were never renamed, so they hold nothing that counts. */
export async function removeTempFiles(disk: Disk, dir: string): Promise<number> {
  let removed = 0;
  for (const name of await disk.list(dir)) {
    if (!name.endsWith(TEMP_SUFFIX)) continue;
    await disk.remove(`${dir}/${name}`);
    removed++;
  }
  return removed;
}
