// The scavenge between a snapshot's steps (young-collector.ts): it runs once the young generation
// holds more than YOUNG_BYTES_MAX, empties it of garbage, and does nothing below the bound.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getHeapSpaceStatistics } from 'node:v8';
import { collectYoungIfFull, YOUNG_BYTES_MAX } from '../../src/runtime/young-collector.js';

function youngBytes(): number {
  const space = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  assert.ok(space !== undefined, 'V8 reports a new space');
  return space.space_used_size;
}

/** Allocates short-lived strings until the young generation holds more than `bytes` (or a bound is hit). */
function fillYoung(bytes: number): void {
  let sink = 0;
  for (let i = 0; i < 10_000_000 && youngBytes() <= bytes; i++) {
    for (let j = 0; j < 1000; j++) sink += `garbage ${i} ${j}`.length;
  }
  assert.ok(sink > 0 && youngBytes() > bytes, 'the young generation filled');
}

test('a young generation past the bound is scavenged, and its garbage goes', () => {
  collectYoungIfFull();
  fillYoung(YOUNG_BYTES_MAX);
  assert.equal(collectYoungIfFull(), true);
  assert.ok(youngBytes() < YOUNG_BYTES_MAX, `young bytes after the scavenge: ${youngBytes()}`);
});

test('below the bound nothing is collected', () => {
  collectYoungIfFull();
  fillYoung(YOUNG_BYTES_MAX);
  collectYoungIfFull();
  assert.equal(collectYoungIfFull(), false, 'just collected: under the bound');
});
