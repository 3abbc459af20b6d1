// `cairn server`: one Cairn node, always a Raft node — a one-member cluster unless --peers names
// others. Flags, the config file, the ready line and shutdown live in runtime/cluster/process.ts.
// A process started without the server's V8 flags and malloc settings runs itself again with them
// first (launch.ts); the node's modules load only in the process that runs it.

import { CairnError } from '../lib/errors.js';
import { holdLifeline, launched, relaunchServer } from './launch.js';

export async function main(args: string[]): Promise<number> {
  const help = args.includes('--help') || args.includes('-h');
  if (!help && !launched()) {
    const entry = process.argv[1];
    if (entry === undefined) throw new CairnError('CAIRN_INVALID_ARGUMENT', 'cannot tell which script runs cairn');
    return relaunchServer(entry, args);
  }
  holdLifeline();
  return (await import('../runtime/cluster/process.js')).runClusterNode(args);
}
