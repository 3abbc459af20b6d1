// Run by build:package after tsc: ships src/script/fengari.d.ts (the declarations of the untyped
// fengari package, which the emitted script/ declarations import) beside the emitted declarations,
// and points dist/src/index.d.ts's reference at the shipped copy (tsc writes it relative to src/).
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';

copyFileSync('src/script/fengari.d.ts', 'dist/src/script/fengari.d.ts');
const index = 'dist/src/index.d.ts';
const text = readFileSync(index, 'utf8');
const fixed = text.replace('path="../../src/script/fengari.d.ts"', 'path="./script/fengari.d.ts"');
if (fixed === text) throw new Error(`${index}: no reference to src/script/fengari.d.ts to point at the shipped copy`);
writeFileSync(index, fixed);
