// `cairn server`: one Cairn node, always a Raft node — a one-member cluster unless --peers names
// others. Flags, the config file, the ready line and shutdown live in runtime/cluster/process.ts.

import { runClusterNode } from '../runtime/cluster/process.js';

export function main(args: string[]): Promise<number> {
  return runClusterNode(args);
}
