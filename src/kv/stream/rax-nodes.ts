// XINFO STREAM's radix-tree-nodes: how many nodes Redis's rax holds for the stream's node keys
// (16-byte big-endian master IDs). A rax is a compressed trie: the root, every branching point,
// every key, and one compressed node for each single-child chain that starts below a branch.

import { idKey, type StreamId } from './id.js';

const KEY_CHARS = 16;

/** Rax nodes for these keys, given in ascending order (an empty rax is its root alone). */
export function raxNodeCount(masters: readonly StreamId[]): number {
  if (masters.length === 0) return 1;
  const keys = masters.map(idKey);
  return countFrom(keys, 0, keys.length, 0);
}

function countFrom(keys: readonly string[], lo: number, hi: number, depth: number): number {
  if (depth === KEY_CHARS) return 1;
  const shared = commonPrefix(keys[lo] as string, keys[hi - 1] as string, depth);
  // One child: this node is compressed and runs down to where the keys part (or end).
  if (shared > depth) return 1 + countFrom(keys, lo, hi, shared);
  let nodes = 1;
  let start = lo;
  while (start < hi) {
    const byte = (keys[start] as string).charCodeAt(depth);
    let end = start + 1;
    while (end < hi && (keys[end] as string).charCodeAt(depth) === byte) end++;
    nodes += countFrom(keys, start, end, depth + 1);
    start = end;
  }
  return nodes;
}

function commonPrefix(a: string, b: string, from: number): number {
  let i = from;
  while (i < KEY_CHARS && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}
