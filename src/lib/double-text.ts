// printf("%.17g") for finite doubles, as Redis 7.0 prints scores (addReplyDouble, ZSCAN's ld2string):
// shared by resp/ (double replies) and kv/ (scores ZSCAN returns as bulk strings).

import { formatG } from './format-g.js';

/** A double as Redis 7.0 prints it (addReplyDouble, ld2string): printf "%.17g", and inf/-inf/nan. */
export function formatDouble(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  return formatG(value, 17);
}
