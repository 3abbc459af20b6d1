// Numbers as Lua 5.1 (Redis's Lua) prints them: tostring, `..` and the number → string coercions use
// printf("%.14g") (LUAI_NUMFFORMAT), where fengari's Lua 5.3 prints integers apart and adds ".0" to
// integral floats. redis.call's arguments use "%.17g" instead (lib/double-text.ts).

const G_DIGITS = 14;
const SHORT_INTEGER_LIMIT = 1e14;
/** toExponential's most fraction digits: enough to tell an exact tie at the 15th digit. */
const EXACT_DIGITS = 100;

/** "d.ddde±x" → all the digits and the decimal exponent. */
function splitExponential(text: string): [string, number] {
  const e = text.indexOf('e');
  return [text.slice(0, e).replace('.', ''), Number(text.slice(e + 1))];
}

/**
 * printf("%.14g") of a double, with glibc's inf/-inf spellings. Every NaN prints "-nan", as 0/0 does
 * on x86 (JavaScript does not keep a NaN's sign through arithmetic, so -(0/0)'s "nan" is not told apart).
 */
export function formatLuaNumber(value: number): string {
  if (Number.isNaN(value)) return '-nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  // An integer of at most 14 digits prints as itself (the common case: counters, lengths).
  if (Number.isInteger(value) && Math.abs(value) < SHORT_INTEGER_LIMIT) return String(value);
  const sign = value < 0 ? '-' : '';
  let [digits, exponent] = splitExponential(Math.abs(value).toExponential(G_DIGITS - 1));
  // glibc rounds an exact tie to even where toExponential rounds it up: a tie shows as "50" in the
  // 15th-16th digits first, and only then are the exact digits looked at.
  if (splitExponential(Math.abs(value).toExponential(G_DIGITS + 1))[0].slice(G_DIGITS) === '50') {
    const [exact, exactExponent] = splitExponential(Math.abs(value).toExponential(EXACT_DIGITS));
    if (/^50*$/.test(exact.slice(G_DIGITS)) && Number(exact[G_DIGITS - 1]) % 2 === 0) [digits, exponent] = [exact.slice(0, G_DIGITS), exactExponent];
  }
  digits = digits.replace(/0+$/, '');
  if (exponent < -4 || exponent >= G_DIGITS) {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  if (digits.length <= exponent + 1) return sign + digits + '0'.repeat(exponent + 1 - digits.length);
  return `${sign}${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
}
