// `cairn server`: one Cairn node, always a Raft node — a one-member cluster unless --peers names
// others. Flags, the config file, the ready line and shutdown live in runtime/cluster/process.ts.
// Started from the `cairn` command without the server's malloc settings (and V8 flags), it runs
// itself again with them first (launch.ts); the node's modules load only in the process that runs it.

import { holdLifeline, launched, relaunch } from './launch.js';

/** `cairn server ARGS` from the `cairn` command: through the launcher unless already launched. */
export function cliMain(args: string[]): Promise<number> {
  const help = args.includes('--help') || args.includes('-h');
  return !help && !launched() ? relaunch(process.argv.slice(1)) : main(args);
}

/** Runs the node in this process as it is (what the launcher's child runs; tests' fixtures, bench:server). */
export async function main(args: string[]): Promise<number> {
  holdLifeline();
  return (await import('../runtime/cluster/process.js')).runClusterNode(args);
}
