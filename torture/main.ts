// `npm run torture -- --time 60 --nemesis kill,pause,partition --nodes 5 --seed N [--net netns|proxy]`:
// one campaign against real node processes; prints operations ok/failed/unknown, faults, the checker's
// verdict, lost writes and the report's path. Exits 0 only when linearizable and nothing lost.
// `--workload queue` runs the list queue instead (producers LPUSH, consumers BRPOP; queue.ts) and
// exits 0 only when no element was doubled, invented or lost. `--workload watch` runs writers and
// change-feed watchers on every node (watch.ts) and exits 0 only when the feed checker passes;
// `--plant skip-after-reconnect` adds a watcher per node with that bug, which must fail the run.

import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runCampaign, type CampaignOptions } from './campaign.js';
import type { NetChoice } from './cluster.js';
import { parseNemesisKinds } from './nemesis.js';
import { runQueueCampaign } from './queue.js';
import { runWatchCampaign, type WatchCampaignOptions } from './watch.js';

const usage =
  'usage: npm run torture -- [--time 60] [--nemesis kill,pause,partition,delay,loss,stale-leader,member | all] [--nodes 5] [--clients 10] [--seed N] [--out DIR] [--net netns|proxy] [--lease-reads] [--workload registers|queue|watch] [--plant skip-after-reconnect]';

function positiveInt(name: string, text: string, max: number): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value <= 0 || value > max) throw new Error(`--${name} must be an integer within 1..${max}, got ${JSON.stringify(text)}`);
  return value;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      time: { type: 'string', default: '60' },
      nemesis: { type: 'string', default: 'kill,pause,partition' },
      nodes: { type: 'string', default: '5' },
      clients: { type: 'string', default: '10' },
      seed: { type: 'string' },
      out: { type: 'string' },
      net: { type: 'string' },
      'lease-reads': { type: 'boolean', default: false },
      workload: { type: 'string', default: 'registers' },
      plant: { type: 'string', default: 'none' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (values.net !== undefined && values.net !== 'netns' && values.net !== 'proxy') throw new Error(`--net must be netns or proxy, got ${JSON.stringify(values.net)}`);
  if (values.workload !== 'registers' && values.workload !== 'queue' && values.workload !== 'watch') throw new Error(`--workload must be registers, queue or watch, got ${JSON.stringify(values.workload)}`);
  if (values.plant !== 'none' && values.plant !== 'skip-after-reconnect') throw new Error(`--plant must be none or skip-after-reconnect, got ${JSON.stringify(values.plant)}`);
  if (values.plant !== 'none' && values.workload !== 'watch') throw new Error('--plant goes with --workload watch');
  const net: NetChoice = values.net ?? 'auto';
  const seed = values.seed === undefined ? Math.floor(Math.random() * 1_000_000) : positiveInt('seed', values.seed, 2 ** 31);
  const outDir = values.out ?? (await mkdtemp(join(tmpdir(), 'cairn-torture-report-')));
  await mkdir(outDir, { recursive: true });
  const options = {
    timeMs: positiveInt('time', values.time, 24 * 3600) * 1000,
    nodes: positiveInt('nodes', values.nodes, 9),
    clients: positiveInt('clients', values.clients, 100),
    seed,
    nemesis: parseNemesisKinds(values.nemesis),
    outDir,
    net,
    nodeArgs: values['lease-reads'] ? ['--lease-reads'] : [],
    log: (line: string) => console.log(line),
  };
  console.log(`SEED=${seed} workload=${values.workload} time=${options.timeMs / 1000}s nodes=${options.nodes} clients=${options.clients} nemesis=${options.nemesis.join(',')} net=${net}${values['lease-reads'] ? ' lease-reads' : ''}`);
  if (values.workload === 'queue') return queueMain(options);
  if (values.workload === 'watch') return watchMain({ ...options, plant: values.plant });
  const result = await runCampaign(options);
  const injected = result.faults.filter((f) => f.action === 'inject');
  const byKind = new Map<string, number>();
  for (const f of injected) byKind.set(f.kind, (byKind.get(f.kind) ?? 0) + 1);
  console.log(`operations: ${result.tally.ok} ok, ${result.tally.failed} failed, ${result.tally.unknown} unknown (${result.operations} recorded with final reads)`);
  for (const [reason, count] of [...result.tally.reasons].sort((a, b) => b[1] - a[1])) console.log(`  ${count} x ${reason}`);
  const overlapping = injected.filter((f) => f.alsoActive.length > 0).length;
  console.log(`faults injected: ${injected.length} (${[...byKind].map(([k, n]) => `${k} ${n}`).join(', ')}); ${overlapping} started while another was active; network: ${result.net}`);
  console.log(`checker verdict: ${result.verdict === 'ok' ? 'linearizable' : result.verdict}${result.explanation === '' ? '' : `\n  ${result.explanation}`}`);
  console.log(`lost writes: ${result.final.lost}, duplicated increments: ${result.final.duplicated}, unreadable final reads: ${result.final.unreadable}`);
  console.log(`report: ${result.reportPath} (history.json, faults.json beside it)`);
  console.log(result.passed ? 'PASS' : 'FAIL');
  return result.passed ? 0 : 1;
}

/** The queue workload's campaign and its audit, printed. */
async function queueMain(options: CampaignOptions): Promise<number> {
  const result = await runQueueCampaign(options);
  const tally = result.tally;
  console.log(`operations: ${tally.ok} ok, ${tally.failed} failed, ${tally.unknown} unknown; ${result.emptyPops} pops timed out empty`);
  for (const [reason, count] of [...tally.reasons].sort((a, b) => b[1] - a[1])) console.log(`  ${count} x ${reason}`);
  console.log(`faults injected: ${result.faults.filter((f) => f.action === 'inject').length}; network: ${result.net}`);
  const audit = result.audit;
  if (audit === undefined) console.log('final read: no node answered LRANGE');
  else {
    console.log(`pushes: ${audit.acked} acked, ${audit.unknownPushes} unknown; pops: ${audit.delivered} delivered, ${audit.unknownPops} unknown; ${audit.remaining} left in the list`);
    console.log(`doubled: ${audit.doubled}, invented: ${audit.invented}, missing: ${audit.missing}, lost (beyond unknown pops): ${audit.lost}`);
    for (const example of audit.examples) console.log(`  ${example}`);
  }
  console.log(result.passed ? 'PASS' : 'FAIL');
  return result.passed ? 0 : 1;
}

/** The watch workload's campaign and the feed checker's verdicts, printed. */
async function watchMain(options: WatchCampaignOptions): Promise<number> {
  const result = await runWatchCampaign(options);
  console.log(`writes: ${result.tally.ok} ok, ${result.tally.failed} failed, ${result.tally.unknown} unknown; watcher errors (each a reconnect): ${result.watcherErrors}`);
  for (const [reason, count] of [...result.tally.reasons].sort((a, b) => b[1] - a[1])) console.log(`  ${count} x ${reason}`);
  console.log(`faults injected: ${result.faults.filter((f) => f.action === 'inject').length}; network: ${result.net}`);
  if (result.final === undefined) console.log('final read: no node answered');
  else console.log(`final state at revision ${result.final.revision}: ${[...result.final.state].map(([k, v]) => `${k}=${v}`).join(' ')}`);
  for (const [label, verdict] of [['honest watchers', result.honest], ['with the planted watchers', result.withPlanted]] as const) {
    if (verdict === undefined) continue;
    console.log(`${label}: ${verdict.ok ? 'ok' : 'FAILED'}; ${verdict.changes} changes, ${verdict.holes} holes, ${verdict.disagreements} disagreements; acks ${JSON.stringify(verdict.acks)}`);
    for (const w of verdict.watchers) console.log(`  ${w.name}: ${w.events} events, ${w.reconnects} reconnects, last revision ${w.lastRevision}, missing ${w.missing}, duplicates ${w.duplicates}, out of order ${w.outOfOrder}, state diffs ${w.stateDiffs}`);
    for (const problem of verdict.problems.slice(0, 10)) console.log(`  ${problem}`);
    if (verdict.problemCount > 10) console.log(`  … ${verdict.problemCount - 10} more problems`);
  }
  console.log(result.passed ? 'PASS' : 'FAIL');
  return result.passed ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`torture: ${error instanceof Error ? error.message : String(error)}`);
    console.error(usage);
    process.exitCode = 2;
  },
);
