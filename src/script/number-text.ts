// Numbers as Lua 5.1 (Redis's Lua) prints them: tostring, `..` and the number → string coercions use
// printf("%.14g") (LUAI_NUMFFORMAT), where fengari's Lua 5.3 prints integers apart and adds ".0" to
// integral floats. redis.call's arguments use "%.17g" instead (lib/double-text.ts).

const G_DIGITS = 14;

/**
 * printf("%.14g") of a double, with glibc's inf/-inf spellings. Every NaN prints "-nan", as 0/0 does
 * on x86 (JavaScript does not keep a NaN's sign through arithmetic, so -(0/0)'s "nan" is not told apart).
 */
export function formatLuaNumber(value: number): string {
  if (Number.isNaN(value)) return '-nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const sign = value < 0 ? '-' : '';
  const text = Math.abs(value).toExponential(G_DIGITS - 1);
  const e = text.indexOf('e');
  const digits = text.slice(0, e).replace('.', '').replace(/0+$/, '');
  const exponent = Number(text.slice(e + 1));
  if (exponent < -4 || exponent >= G_DIGITS) {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  if (digits.length <= exponent + 1) return sign + digits + '0'.repeat(exponent + 1 - digits.length);
  return `${sign}${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
}
