// Glob matching as Redis's stringmatchlen does it (*, ?, [abc], [^a-z], \x), for CONFIG GET
// patterns. Iterative with one backtrack point, so a pattern can never run away.

import { assert } from '../lib/assert.js';

export function globMatch(pattern: string, text: string, noCase: boolean): boolean {
  const p = noCase ? pattern.toLowerCase() : pattern;
  const t = noCase ? text.toLowerCase() : text;
  let pi = 0;
  let ti = 0;
  let starP = -1;
  let starT = 0;
  // Every pass advances ti, or pi, or the backtrack point: bounded by (|p|+1)*(|t|+1).
  const maxSteps = (p.length + 1) * (t.length + 2) + 1;
  for (let step = 0; step < maxSteps; step++) {
    if (pi < p.length && p[pi] === '*') {
      starP = pi++;
      starT = ti;
      continue;
    }
    if (ti >= t.length) {
      while (pi < p.length && p[pi] === '*') pi++;
      return pi === p.length;
    }
    const matched = pi < p.length ? matchOne(p, pi, t[ti]!) : undefined;
    if (matched !== undefined) {
      pi = matched;
      ti++;
      continue;
    }
    if (starP < 0) return false;
    pi = starP + 1;
    ti = ++starT;
  }
  assert(false, 'glob match exceeded its step bound');
}

/** Matches one pattern element at pi against ch; returns the next pattern index or undefined. */
function matchOne(p: string, pi: number, ch: string): number | undefined {
  const c = p[pi]!;
  if (c === '?') return pi + 1;
  if (c === '\\' && pi + 1 < p.length) return p[pi + 1] === ch ? pi + 2 : undefined;
  if (c !== '[') return c === ch ? pi + 1 : undefined;
  let i = pi + 1;
  const negate = p[i] === '^';
  if (negate) i++;
  let found = false;
  for (; i < p.length && p[i] !== ']'; i++) {
    if (p[i] === '\\' && i + 1 < p.length) {
      i++;
      if (p[i] === ch) found = true;
    } else if (i + 2 < p.length && p[i + 1] === '-' && p[i + 2] !== ']') {
      const [low, high] = p[i]! <= p[i + 2]! ? [p[i]!, p[i + 2]!] : [p[i + 2]!, p[i]!];
      if (ch >= low && ch <= high) found = true;
      i += 2;
    } else if (p[i] === ch) found = true;
  }
  return found !== negate ? Math.min(i + 1, p.length) : undefined;
}
