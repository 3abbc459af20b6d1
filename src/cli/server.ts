// `cairn server`: one Cairn node, always a Raft node — a one-member cluster unless --peers names
// others. Flags, the config file, the ready line and shutdown live in runtime/cluster/process.ts.
// A process started without the server's V8 flags and malloc settings runs itself again with them
// first (launch.ts); the node's modules load only in the process that runs it.

import { holdLifeline, launched, relaunch } from './launch.js';

export async function main(args: string[]): Promise<number> {
  const help = args.includes('--help') || args.includes('-h');
  if (!help && !launched()) return relaunch(process.argv.slice(1));
  holdLifeline();
  return (await import('../runtime/cluster/process.js')).runClusterNode(args);
}
