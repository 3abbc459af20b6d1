// printf("%.17g") for finite doubles, as Redis 7.0 prints scores (addReplyDouble, ZSCAN's ld2string):
// shared by resp/ (double replies) and kv/ (scores ZSCAN returns as bulk strings).

/** A double as Redis 7.0 prints it (addReplyDouble, ld2string): printf "%.17g", and inf/-inf/nan. */
export function formatDouble(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  return formatG17(value);
}

const G_DIGITS = 17;

/**
 * printf("%.17g"): 17 significant digits, trailing zeros dropped, exponent form when the decimal
 * exponent is below -4 or at least 17. JavaScript rounds ties away from zero where glibc rounds
 * the exact binary value half to even; an exact tie needs an 18-digit value, checked exactly.
 */
function formatG17(value: number): string {
  const sign = value < 0 ? '-' : '';
  const magnitude = Math.abs(value);
  let [digits, exponent] = splitExponential(magnitude.toExponential(G_DIGITS - 1));
  if (isExactTie(magnitude)) [digits, exponent] = splitExponential(magnitude.toExponential(G_DIGITS + 2));
  digits = digits.slice(0, G_DIGITS).replace(/0+$/, '');
  if (exponent < -4 || exponent >= G_DIGITS) {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const exponentText = String(Math.abs(exponent)).padStart(2, '0');
    return `${sign}${mantissa}e${exponent < 0 ? '-' : '+'}${exponentText}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  if (digits.length <= exponent + 1) return sign + digits + '0'.repeat(exponent + 1 - digits.length);
  return `${sign}${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
}

/** "d.ddde±x" → all the digits and the decimal exponent. */
function splitExponential(text: string): [string, number] {
  const e = text.indexOf('e');
  return [text.slice(0, e).replace('.', ''), Number(text.slice(e + 1))];
}

/**
 * Whether the value lies exactly halfway between two 17-digit decimals with an even last digit
 * below it (glibc keeps that one; toExponential would round up). Exact: only values whose whole
 * decimal expansion has 18 significant digits ending in 5 qualify.
 */
function isExactTie(magnitude: number): boolean {
  const [digits] = splitExponential(magnitude.toExponential(G_DIGITS + 2));
  if (digits.slice(G_DIGITS) !== '500') return false;
  if (Number(digits[G_DIGITS - 1]) % 2 === 1) return false;
  const [, exponent] = splitExponential(magnitude.toExponential(G_DIGITS + 2));
  // value == D × 10^(exponent-17) with D the 18 digits: compare exactly as rationals.
  const d = BigInt(digits.slice(0, G_DIGITS + 1));
  const scale = exponent - G_DIGITS;
  const buffer = new DataView(new ArrayBuffer(8));
  buffer.setFloat64(0, magnitude);
  const bits = buffer.getBigUint64(0);
  const biased = Number(bits >> 52n);
  const mantissa = (bits & 0xfffffffffffffn) | (biased === 0 ? 0n : 1n << 52n);
  const binaryExponent = (biased === 0 ? 1 : biased) - 1075;
  let left = mantissa;
  let right = d;
  if (binaryExponent >= 0) left <<= BigInt(binaryExponent);
  else right <<= BigInt(-binaryExponent);
  if (scale >= 0) right *= 10n ** BigInt(scale);
  else left *= 10n ** BigInt(-scale);
  return left === right;
}
