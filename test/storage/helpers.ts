// Test helpers for storage tests: temp folders on the real disk and entry builders.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogEntry } from '../../src/storage/record.js';

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-storage-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function entry(index: number, term = 1, text = `value-${index}`): LogEntry {
  return { index, term, kind: 1, data: Buffer.from(text) };
}

export function entries(from: number, count: number, term = 1): LogEntry[] {
  return Array.from({ length: count }, (_, i) => entry(from + i, term));
}

export function texts(list: readonly LogEntry[]): string[] {
  return list.map((e) => Buffer.from(e.data).toString());
}
