// formatG against values printed by a correctly rounding printf (Python's, which agrees with glibc
// on exact ties: half to even), including the ties JavaScript's toExponential rounds the other way.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatG } from '../../src/lib/format-g.js';

const CASES: readonly [number, number, string][] = [
  [10000000000000.5, 14, '10000000000000'],
  [10000000000001.5, 14, '10000000000002'],
  [2.5, 1, '2'],
  [3.5, 1, '4'],
  [0.125, 2, '0.12'],
  [1e-5, 14, '1e-05'],
  [123456789012345, 14, '1.2345678901234e+14'],
  [2 ** 53, 14, '9.007199254741e+15'],
  [0.1, 17, '0.10000000000000001'],
  [1 / 3, 14, '0.33333333333333'],
  [1e21, 14, '1e+21'],
  [-0.0001, 3, '-0.0001'],
  [100, 2, '1e+02'],
  [5e-324, 17, '4.9406564584124654e-324'],
  [3, 14, '3'],
  [81865459680557250, 17, '81865459680557248'],
  [2 ** 60, 17, '1.152921504606847e+18'],
  [2 ** 60, 14, '1.1529215046068e+18'],
  [-0, 14, '-0'],
  [Infinity, 14, 'inf'],
  [-Infinity, 14, '-inf'],
];

test('formatG prints as printf("%.Pg") does, ties to even', () => {
  for (const [value, precision, expected] of CASES) assert.equal(formatG(value, precision), expected, `${value} at ${precision}`);
});
