// What the short 3-node campaigns in `npm test` (queue, watch) share: their options — 3 nodes, 3
// clients, kill/pause/partition with 2–3.5 s faults and 1 s calm, TORTURE_NET=proxy to force the
// proxies, a log line per event with the seconds since the start — and the schedule as text for
// failure messages.
import { performance } from 'node:perf_hooks';
import type { CampaignOptions } from '../../torture/campaign.js';
import type { FaultEvent } from '../../torture/nemesis.js';

export function shortCampaignOptions(name: string, seed: number, timeMs: number, outDir: string): CampaignOptions {
  const startedMs = performance.now();
  return {
    timeMs,
    nodes: 3,
    clients: 3,
    seed,
    net: process.env['TORTURE_NET'] === 'proxy' ? 'proxy' : 'auto',
    nemesis: ['kill', 'pause', 'partition'],
    outDir,
    timing: { faultMinMs: 2_000, faultMaxMs: 3_500, calmMs: 1_000, overlapChance: 0.3 },
    // Printed as it happens, so a campaign that hangs still shows how far it got.
    log: (line) => console.log(`${name} +${((performance.now() - startedMs) / 1000).toFixed(1)}s: ${line}`),
  };
}

export function describeSchedule(faults: readonly FaultEvent[]): string {
  return faults.map((f) => `${f.atMs}ms ${f.action} ${f.fault} ${f.detail}`).join('\n');
}
