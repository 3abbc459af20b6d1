// What every Cairn node process shares before it starts: the version it reports, and the check
// that its data folder is in the Raft layout (log in DIR/log). A folder written by the old
// single-node store (segment files directly in DIR) is refused, never read as empty.

import { readdir } from 'node:fs/promises';
import { CairnError } from '../lib/errors.js';
import { parseSegmentName } from '../storage/segment-file.js';

export const cairnVersion = '0.1.0';

/** Most directory entries looked at for the layout check (a data folder holds a handful). */
const entriesCheckedMax = 10_000;

/**
 * Throws CAIRN_FORMAT when `dir` holds log segments of the single-node store's layout (written by
 * `cairn server` before every node ran Raft); a missing or Raft-layout folder passes.
 */
export async function refuseOldStoreLayout(dir: string): Promise<void> {
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw new CairnError('CAIRN_IO', `cannot read the data folder ${dir}: ${error.message}`, { cause: error });
  });
  const segments = names.slice(0, entriesCheckedMax).filter((name) => parseSegmentName(name) !== undefined);
  if (segments.length === 0) return;
  throw new CairnError(
    'CAIRN_FORMAT',
    `${dir} holds a log in the old single-node layout (${segments.length} segment file(s) such as ${segments[0]} directly in it); ` +
      'this Cairn keeps its Raft log in DIR/log and cannot read it. Start on an empty --dir (the old data is not migrated).',
  );
}
