// C's printf("%.<precision>g") for doubles, as glibc prints them: shared by Redis's "%.17g" score
// replies (lib/double-text.ts) and lua-cjson's number output (precision 14 by default, script/lib/).
// JavaScript's toExponential rounds correctly except at exact ties, which it rounds away from zero
// where glibc rounds half to even; ties are found and settled on the exact decimal expansion of the double (BigInt).

import { assert } from './assert.js';

/** printf("%.Pg", value) for 1 <= P <= 17; inf prints "inf"/"-inf" (callers handle NaN). */
export function formatG(value: number, precision: number): string {
  assert(precision >= 1 && precision <= 17, `formatG precision ${precision} out of range`);
  assert(!Number.isNaN(value), 'formatG of NaN');
  const sign = value < 0 || Object.is(value, -0) ? '-' : '';
  const magnitude = Math.abs(value);
  if (magnitude === Infinity) return `${sign}inf`;
  if (magnitude === 0) return `${sign}0`;
  // A safe integer of at most `precision` digits prints as itself (the common case, and the cheap one;
  // String() of a larger one gives the shortest round-trip digits, not the exact ones).
  if (Number.isInteger(magnitude) && magnitude < 10 ** precision && magnitude <= Number.MAX_SAFE_INTEGER) return sign + String(magnitude);
  const [digits, exponent] = roundedDigits(magnitude, precision);
  const kept = digits.replace(/0+$/, '');
  if (exponent < -4 || exponent >= precision) {
    const mantissa = kept.length > 1 ? `${kept[0]}.${kept.slice(1)}` : kept;
    const exponentText = String(Math.abs(exponent)).padStart(2, '0');
    return `${sign}${mantissa}e${exponent < 0 ? '-' : '+'}${exponentText}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${kept}`;
  if (kept.length <= exponent + 1) return sign + kept + '0'.repeat(exponent + 1 - kept.length);
  return `${sign}${kept.slice(0, exponent + 1)}.${kept.slice(exponent + 1)}`;
}

/** The first `precision` significant digits of a positive finite double, rounded as glibc does, and its decimal exponent. */
function roundedDigits(magnitude: number, precision: number): [string, number] {
  const [digits, exponent] = splitExponential(magnitude.toExponential(precision - 1));
  const [longer] = splitExponential(magnitude.toExponential(precision + 2));
  if (longer.slice(precision) !== '500') return [digits, exponent];
  const exact = exactDigits(magnitude);
  const tie = /^50*$/.test(exact.digits.slice(precision));
  const lastKept = Number(exact.digits[precision - 1] ?? '0');
  if (!tie || lastKept % 2 === 1) return [digits, exponent];
  return [exact.digits.slice(0, precision).padEnd(precision, '0'), exact.digits.length - 1 + exact.scale];
}

/** "d.ddde±x" → all the digits and the decimal exponent. */
function splitExponential(text: string): [string, number] {
  const e = text.indexOf('e');
  return [text.slice(0, e).replace('.', ''), Number(text.slice(e + 1))];
}

/** The exact decimal value of a positive double: digits × 10^scale, digits without leading zeros. */
function exactDigits(magnitude: number): { digits: string; scale: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, magnitude);
  const bits = view.getBigUint64(0);
  const biased = Number(bits >> 52n);
  const mantissa = (bits & 0xfffffffffffffn) | (biased === 0 ? 0n : 1n << 52n);
  const binaryExponent = (biased === 0 ? 1 : biased) - 1075;
  if (binaryExponent >= 0) return { digits: (mantissa << BigInt(binaryExponent)).toString(), scale: 0 };
  // m / 2^k == m * 5^k / 10^k
  const k = -binaryExponent;
  return { digits: (mantissa * 5n ** BigInt(k)).toString(), scale: -k };
}
