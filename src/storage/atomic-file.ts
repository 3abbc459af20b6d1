// Atomic replacement of a whole file: write a temp file, fdatasync it, rename it over the target,
// fsync the folder. A crash at any moment leaves either the old file or the new one, never a mix,
// and once it resolves the new one survives a crash. Every file Cairn replaces whole goes through
// here: the hard state, snapshots, a reset log segment, the cluster identity and the address book.
// A big file (a snapshot) goes in parts, one append each, so no copy of the whole is ever made; the
// parts are only ever in the temp file until the rename, so a crash mid-way leaves the old file.

import { assert } from '../lib/assert.js';
import type { Disk } from '../io/disk.js';

export const TEMP_SUFFIX = '.tmp';

export function writeFileAtomically(disk: Disk, dir: string, name: string, bytes: Uint8Array): Promise<void> {
  return writePartsAtomically(disk, dir, name, [bytes]);
}

/** As writeFileAtomically, the file being `parts` one after the other, each its own append. */
export async function writePartsAtomically(disk: Disk, dir: string, name: string, parts: Iterable<Uint8Array>): Promise<void> {
  assert(!name.includes('/'), 'name is a file name, not a path');
  assert(!name.endsWith(TEMP_SUFFIX), 'target is not a temp file');
  const temp = `${dir}/${name}${TEMP_SUFFIX}`;
  await disk.remove(temp);
  const file = await disk.openFile(temp);
  try {
    assert(file.sizeBytes() === 0, 'temp file starts empty');
    let sizeBytes = 0;
    for (const part of parts) {
      await file.append(part);
      sizeBytes += part.length;
    }
    assert(file.sizeBytes() === sizeBytes, 'temp file holds exactly the parts');
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
