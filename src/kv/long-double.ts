// INCRBYFLOAT's arithmetic exactly as Redis does it on x86-64: both operands parsed with strtold
// into 80-bit long doubles (64-bit mantissa), added with one rounding, and printed with "%.17Lf"
// with trailing zeros trimmed. JavaScript has no long double, so values are exact rationals in
// bigint and every rounding step is done explicitly (round half to even, as the FPU and glibc do).

/** A finite long double: (-1)^negative × mantissa × 2^exponent, mantissa < 2^65. */
export interface LongDouble {
  readonly negative: boolean;
  readonly mantissa: bigint;
  readonly exponent: number;
}

const MANTISSA_BITS = 64;
const MIN_LSB_EXPONENT = -16445; // the lowest bit of the smallest subnormal
const OVERFLOW_EXPONENT = 16384; // values at or above 2^16384 are infinite
/** Redis's MAX_LONG_DOUBLE_CHARS: longer inputs are refused before parsing. */
export const MAX_LONG_DOUBLE_CHARS = 5 * 1024;
/** Decimal exponents beyond this are certainly overflow or underflow (and keep bigint work bounded). */
const DECIMAL_EXPONENT_MAX = 20_000;

export type ParseResult = LongDouble | 'invalid' | 'infinite';

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** Rounds num/den (both positive) to a long double; 'infinite' on overflow, zero mantissa on underflow. */
function roundRational(negative: boolean, num: bigint, den: bigint): LongDouble | 'infinite' {
  if (num === 0n) return { negative, mantissa: 0n, exponent: 0 };
  let msb = bitLength(num) - bitLength(den); // num/den lies in [2^(msb-1), 2^(msb+1))
  if (msb >= 0 ? num < den << BigInt(msb) : num << BigInt(-msb) < den) msb--;
  if (msb >= OVERFLOW_EXPONENT) return 'infinite';
  const lsb = Math.max(msb - (MANTISSA_BITS - 1), MIN_LSB_EXPONENT);
  const n = lsb <= 0 ? num << BigInt(-lsb) : num;
  const d = lsb <= 0 ? den : den << BigInt(lsb);
  let q = n / d;
  const twiceRemainder = 2n * (n % d);
  if (twiceRemainder > d || (twiceRemainder === d && (q & 1n) === 1n)) q++;
  if (bitLength(q) + lsb - 1 >= OVERFLOW_EXPONENT) return 'infinite';
  return { negative, mantissa: q, exponent: lsb };
}

function fromScaled(negative: boolean, digits: bigint, power10: number, power2: number): LongDouble | 'infinite' {
  let num = digits;
  let den = 1n;
  if (power10 >= 0) num *= 10n ** BigInt(power10);
  else den *= 10n ** BigInt(-power10);
  if (power2 >= 0) num <<= BigInt(power2);
  else den <<= BigInt(-power2);
  return roundRational(negative, num, den);
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const HEX = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;
const INFINITY = /^[+-]?(inf|infinity)$/i;

/** Redis's string2ld: strtold, then refuse leading space, trailing bytes, NaN, overflow and underflow to 0. */
export function parseLongDouble(bytes: Uint8Array): ParseResult {
  if (bytes.length === 0 || bytes.length >= MAX_LONG_DOUBLE_CHARS) return 'invalid';
  // strtold stops at a NUL byte, which Redis then sees as unparsed input: refused (checked against 7.0).
  if (bytes.indexOf(0) !== -1) return 'invalid';
  let text = '';
  for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i] as number);
  if (INFINITY.test(text)) return 'infinite';
  const hex = HEX.exec(text);
  const match = hex ?? DECIMAL.exec(text);
  if (match === null) return 'invalid';
  const [, sign, whole = '', fraction = '', exponentText] = match;
  if (whole.length + fraction.length === 0) return 'invalid';
  const negative = sign === '-';
  const exponent = exponentText === undefined ? 0 : Number(exponentText);
  const digits = BigInt((hex ? '0x' : '') + (whole + fraction || '0'));
  if (digits === 0n) return { negative, mantissa: 0n, exponent: 0 };
  // Overflow (ERANGE with HUGE_VAL) is refused like underflow; only a literal "inf" is infinite.
  if (Math.abs(exponent) > DECIMAL_EXPONENT_MAX * (hex ? 4 : 1)) return 'invalid';
  const rounded = hex
    ? fromScaled(negative, digits, 0, exponent - 4 * fraction.length)
    : fromScaled(negative, digits, exponent - fraction.length, 0);
  if (rounded === 'infinite' || rounded.mantissa === 0n) return 'invalid'; // ERANGE overflow or underflow to zero
  return rounded;
}

/** a + b with one rounding, as the x87 FPU adds long doubles. */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble | 'infinite' {
  const exponent = Math.min(a.exponent, b.exponent);
  const sa = (a.negative ? -a.mantissa : a.mantissa) << BigInt(a.exponent - exponent);
  const sb = (b.negative ? -b.mantissa : b.mantissa) << BigInt(b.exponent - exponent);
  const sum = sa + sb;
  const negative = sum < 0n;
  const magnitude = negative ? -sum : sum;
  // Exact sums of representable values need no rounding beyond re-normalising the mantissa width.
  return exponent >= 0
    ? roundRational(negative, magnitude << BigInt(exponent), 1n)
    : roundRational(negative, magnitude, 1n << BigInt(-exponent));
}

/** printf("%.17Lf") with trailing zeros (and a bare '.') removed, and "-0" shown as "0". */
export function formatLongDouble(value: LongDouble): string {
  const FRACTION_DIGITS = 17;
  const scale = 10n ** BigInt(FRACTION_DIGITS);
  let num = value.mantissa * scale;
  let den = 1n;
  if (value.exponent >= 0) num <<= BigInt(value.exponent);
  else den <<= BigInt(-value.exponent);
  let q = num / den;
  const twiceRemainder = 2n * (num % den);
  if (twiceRemainder > den || (twiceRemainder === den && (q & 1n) === 1n)) q++;
  const whole = q / scale;
  const fraction = (q % scale).toString().padStart(FRACTION_DIGITS, '0').replace(/0+$/, '');
  const text = (value.negative ? '-' : '') + whole.toString() + (fraction.length > 0 ? '.' + fraction : '');
  return text === '-0' ? '0' : text;
}
