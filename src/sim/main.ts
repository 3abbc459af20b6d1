// `npm run sim -- --seed N` replays one seed (printing SEED=N first, and the trace on failure);
// `npm run sim -- --seeds N [--from S]` runs N seeds from S as a soak and stops at the first
// failure. Options: --nodes 3|5 (initial voters), --chaos-ms, --membership (spare nodes join and
// members leave during the chaos), --reuse-ids (with --membership: removed nodes rejoin under their
// old id with an empty disk, a new incarnation that peers which knew the old one refuse), --verbose (print each seed's stats), --trace (print a passing
// seed's trace too). Exits 1 on a violation, 2 on bad arguments.

import process from 'node:process';
import { parseArgs } from 'node:util';
import { DEFAULT_MEMBERSHIP } from './membership.js';
import { DEFAULT_RUN, runSeed } from './run.js';
import type { RunOptions, RunResult } from './run.js';
import { PRODUCTION_SETUP } from './setup.js';
import { CairnError, errorMessage } from '../lib/errors.js';

interface Cli {
  seed?: number;
  seeds?: number;
  from: number;
  nodes?: number;
  chaosMs?: number;
  verbose: boolean;
  trace: boolean;
  membership: boolean;
  reuseIds: boolean;
}

function parseCli(argv: string[]): Cli {
  const { values } = parseArgs({
    args: argv,
    options: {
      seed: { type: 'string' },
      seeds: { type: 'string' },
      from: { type: 'string' },
      nodes: { type: 'string' },
      'chaos-ms': { type: 'string' },
      verbose: { type: 'boolean', default: false },
      trace: { type: 'boolean', default: false },
      membership: { type: 'boolean', default: false },
      'reuse-ids': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const int = (name: string, text: string | undefined, min: number): number | undefined => {
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < min) throw new CairnError('CAIRN_INVALID_ARGUMENT', `--${name} must be an integer >= ${min}, got ${text}`);
    return value;
  };
  const nodes = int('nodes', values.nodes, 1);
  if (nodes !== undefined && nodes !== 3 && nodes !== 5) throw new CairnError('CAIRN_INVALID_ARGUMENT', '--nodes must be 3 or 5');
  const cli: Cli = { from: int('from', values.from, 0) ?? 1, verbose: values.verbose ?? false, trace: values.trace ?? false, membership: values.membership ?? false, reuseIds: values['reuse-ids'] ?? false };
  if (cli.reuseIds && !cli.membership) throw new CairnError('CAIRN_INVALID_ARGUMENT', '--reuse-ids needs --membership');
  const seed = int('seed', values.seed, 0);
  const seeds = int('seeds', values.seeds, 1);
  const chaosMs = int('chaos-ms', values['chaos-ms'], 0);
  if (seed !== undefined) cli.seed = seed;
  if (seeds !== undefined) cli.seeds = seeds;
  if (nodes !== undefined) cli.nodes = nodes;
  if (chaosMs !== undefined) cli.chaosMs = chaosMs;
  if (cli.seed === undefined && cli.seeds === undefined) throw new CairnError('CAIRN_INVALID_ARGUMENT', 'pass --seed N or --seeds N');
  return cli;
}

function options(cli: Cli, seed: number): RunOptions {
  const base: RunOptions = { ...DEFAULT_RUN, seed };
  if (cli.nodes !== undefined) base.nodeCount = cli.nodes;
  if (cli.chaosMs !== undefined) base.chaosMs = cli.chaosMs;
  if (cli.trace) base.alwaysTrace = true;
  if (cli.membership) base.membership = { ...DEFAULT_MEMBERSHIP, reuseIds: cli.reuseIds };
  return base;
}

function printFailure(result: RunResult, membershipFlag: string): void {
  console.log(`--- trace (last ${result.trace.length} events) ---`);
  for (const line of result.trace) console.log(line);
  console.log('--- end of trace ---');
  console.log(`VIOLATION (seed ${result.seed}): ${result.violation}`);
  console.log(`stats: ${JSON.stringify(result.stats)}`);
  console.log(`reproduce: npm run sim -- --seed ${result.seed}${membershipFlag}`);
}

function membershipFlags(cli: Cli): string {
  if (!cli.membership) return '';
  return cli.reuseIds ? ' --membership --reuse-ids' : ' --membership';
}

async function main(): Promise<number> {
  let cli: Cli;
  try {
    cli = parseCli(process.argv.slice(2));
  } catch (error) {
    console.error(`sim: ${errorMessage(error)}`);
    return 2;
  }
  if (cli.seed !== undefined) {
    console.log(`SEED=${cli.seed}`);
    const result = await runSeed(PRODUCTION_SETUP, options(cli, cli.seed));
    if (!result.ok) {
      printFailure(result, membershipFlags(cli));
      return 1;
    }
    for (const line of result.trace) console.log(line);
    console.log(`ok: ${JSON.stringify(result.stats)}`);
    return 0;
  }
  const count = cli.seeds as number;
  const last = cli.from + count - 1;
  console.log(`SEED=${cli.from}..${last}`);
  let simMs = 0;
  for (let seed = cli.from; seed <= last; seed++) {
    const result = await runSeed(PRODUCTION_SETUP, options(cli, seed));
    simMs += result.stats.simMs;
    if (cli.verbose) console.log(`seed ${seed}: ${result.ok ? 'ok' : 'FAIL'} ${JSON.stringify(result.stats)}`);
    if (!result.ok) {
      console.log(`SEED=${seed}`);
      printFailure(result, membershipFlags(cli));
      return 1;
    }
    const done = seed - cli.from + 1;
    if (!cli.verbose && done % 1000 === 0) console.log(`${done}/${count} seeds ok`);
  }
  console.log(`all ${count} seeds ok (${(simMs / 1000).toFixed(0)} simulated seconds; time the command for seeds/s: this layer reads no real clock)`);
  return 0;
}

process.exitCode = await main();
