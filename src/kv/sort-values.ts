// What SORT compares and fetches (Redis 7.0 sort.c): lookupKeyByPattern's '*' substitution with the
// `key->field` hash dereference, strtod's reading of a score (glibc's syntax, errors on ERANGE and
// NaN), and sortCompare. Elements and values are latin1 strings, one char per byte.

import type { Collection } from './collection.js';
import type { Db } from './db.js';
import { keyOf } from './bytes.js';

/**
 * A collection SORT's `->field` patterns can read a field of (a hash). The hash type implements it;
 * SORT checks for it rather than importing the hash's module.
 */
export interface FieldLookup {
  get(field: string): string | undefined;
}

function isFieldLookup(collection: Collection): collection is Collection & FieldLookup {
  return typeof (collection as Partial<FieldLookup>).get === 'function';
}

/** The text before the first NUL byte: Redis reads patterns with C string functions. */
function cString(text: string): string {
  const nul = text.indexOf('\u0000');
  return nul === -1 ? text : text.slice(0, nul);
}

/** Whether a BY pattern has a '*' (else SORT does not sort at all). */
export function hasWildcard(pattern: string): boolean {
  return cString(pattern).includes('*');
}

/** lookupKeyByPattern: the value `pattern` names for `element`, or undefined (GET returns nil); `write` (SORT) reclaims an expired key. */
export function lookupByPattern(db: Db, nowMs: number, pattern: string, element: string, write = false): string | undefined {
  const head = cString(pattern);
  if (head === '#') return element;
  const star = head.indexOf('*');
  if (star === -1) return undefined;
  const arrow = head.indexOf('->', star + 1);
  const hasField = arrow !== -1 && arrow + 2 < head.length;
  const fieldChars = hasField ? pattern.length - arrow - 2 : 0;
  const postfixChars = pattern.length - (star + 1) - (hasField ? fieldChars + 2 : 0);
  const key = pattern.slice(0, star) + element + pattern.slice(star + 1, star + 1 + postfixChars);
  const record = write ? db.lookupForWrite(key, nowMs) : db.lookup(key, nowMs);
  if (record === undefined) return undefined;
  const collection = record.collection;
  if (!hasField) return collection === null ? keyOf(record.value) : undefined;
  if (collection === null || collection.type !== 'hash' || !isFieldLookup(collection)) return undefined;
  return collection.get(pattern.slice(arrow + 2));
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const HEXADECIMAL = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;
const INFINITE = /^([+-]?)inf(?:inity)?$/i;
const LEADING_SPACE = /^[ \t\n\v\f\r]*/;
/** DBL_MIN: a smaller non-zero result is an underflow (ERANGE) for glibc's strtod. */
const DOUBLE_NORMAL_MIN = 2.2250738585072014e-308;

/** SORT's score of a value: strtod's reading of all of it, or undefined where Redis errors. */
export function sortScore(value: string): number | undefined {
  const text = cString(value);
  if (text === '') return 0; // nothing converted, and strtod stopped at the terminator
  const body = text.replace(LEADING_SPACE, '');
  const infinite = INFINITE.exec(body);
  if (infinite !== null) return infinite[1] === '-' ? -Infinity : Infinity;
  const score = DECIMAL.test(body) ? Number(body) : hexScore(body);
  if (score === undefined || !Number.isFinite(score)) return undefined;
  const underflow = Math.abs(score) < DOUBLE_NORMAL_MIN && /[1-9a-fA-F]/.test(mantissaOf(body));
  return underflow ? undefined : score;
}

function mantissaOf(body: string): string {
  const hex = /^[+-]?0[xX]/.test(body);
  return (hex ? body.replace(/^[+-]?0[xX]/, '').split(/[pP]/)[0] : body.split(/[eE]/)[0]) ?? '';
}

function hexScore(body: string): number | undefined {
  const match = HEXADECIMAL.exec(body);
  if (match === null) return undefined;
  const whole = match[2] ?? '';
  const fraction = match[3] ?? '';
  if (whole === '' && fraction === '') return undefined;
  let mantissa = 0;
  for (const digit of whole + fraction) mantissa = mantissa * 16 + parseInt(digit, 16);
  const exponent = Number(match[4] ?? '0') - 4 * fraction.length;
  const magnitude = mantissa * 2 ** exponent;
  return match[1] === '-' ? -magnitude : magnitude;
}

/** memcmp, then the shorter first (compareStringObjects). */
export function compareBinary(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** strcoll in the C locale: the bytes up to the first NUL (collateStringObjects). */
export function compareCollated(a: string, b: string): number {
  return compareBinary(cString(a), cString(b));
}
