// Checker throughput on random histories (not part of the test suite):
//   npx tsx test/check/perf.ts --clients 8 --ops 20000 --keys 4 --unknown 0.01 [--plant] [--seed 1]
//     [--mix read,write,cas,delete,incr weights] [--deltas 1,2,3] [--limit ms]
// Prints one line: the shape, verdict, wall time, states explored, and with --plant whether the
// planted stale read was caught and how large the window is.
import { parseArgs } from 'node:util';
import { Prng } from '../../src/lib/prng.js';
import { checkHistory } from '../../src/check/index.js';
import { plantStaleRead, randomHistory } from './generate.js';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '8' },
    ops: { type: 'string', default: '20000' },
    keys: { type: 'string', default: '4' },
    unknown: { type: 'string', default: '0.01' },
    fail: { type: 'string', default: '0.01' },
    mix: { type: 'string', default: '4,2,2,1,2' },
    deltas: { type: 'string', default: '1,2,3' },
    seed: { type: 'string', default: '1' },
    limit: { type: 'string', default: '10000' },
    plant: { type: 'boolean', default: false },
  },
});
const mix = values.mix.split(',').map(Number) as [number, number, number, number, number];
const history = randomHistory({
  seed: Number(values.seed),
  clients: Number(values.clients),
  operations: Number(values.ops),
  keys: Number(values.keys),
  unknownRate: Number(values.unknown),
  failRate: Number(values.fail),
  mix,
  incrDeltas: values.deltas.split(',').map(Number),
});
// Planting needs unique write values on the key, which the default mix provides.
const planted = values.plant ? plantStaleRead(history, new Prng(Number(values.seed))) : null;
const started = performance.now();
const result = checkHistory(history, { now: () => performance.now(), timeLimitMs: Number(values.limit) });
const elapsedMs = performance.now() - started;
const caught = planted === null ? '' : ` planted=#${planted} window=${result.failure?.window.length ?? '-'} names-planted=${result.failure?.window.some((op) => op.id === planted) ?? false}`;
console.log(
  `clients=${values.clients} ops=${values.ops} keys=${values.keys} unknown=${values.unknown} mix=${values.mix} deltas=${values.deltas} ` +
    `verdict=${result.verdict} ms=${Math.round(elapsedMs)} states=${result.stats.statesExplored}${caught}`,
);
