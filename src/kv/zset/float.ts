// Score parsing as Redis 7.0 does it, over glibc's strtod: ZADD scores and weights go through
// string2d (no leading space, every byte consumed, overflow and underflow to zero refused, NaN
// refused); range bounds go through zslParseRange's bare strtod (leading space allowed, parsing
// stops at a NUL as C strings do, overflow gives ±inf). Decimal text converts with Number(), which
// rounds correctly as glibc does; hex floats ("0x1.8p3") are converted exactly here.

const SPACE = /^[ \t\n\v\f\r]/;
const SPECIAL = /^[+-]?(?:inf(?:inity)?|nan(?:\([0-9A-Za-z_]*\))?)/i;
const HEX = /^([+-]?)0x(?:([0-9a-f]+)(?:\.([0-9a-f]*))?|\.([0-9a-f]+))(?:p([+-]?\d+))?/i;
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?/i;

export interface Strtod {
  readonly value: number;
  /** Characters consumed; 0 when nothing parsed. */
  readonly consumed: number;
  /** ERANGE: the decimal or hex value overflowed to ±inf or underflowed to zero. */
  readonly outOfRange: boolean;
}

/** glibc strtod over a latin1 string (the caller cuts it at a NUL where C would). */
export function strtod(text: string): Strtod {
  let at = 0;
  while (at < text.length && SPACE.test(text[at] as string)) at++;
  const rest = text.slice(at);
  const special = SPECIAL.exec(rest);
  if (special !== null) {
    const word = special[0].replace(/^[+-]/, '').toLowerCase();
    const negative = special[0].startsWith('-');
    const value = word.startsWith('inf') ? (negative ? -Infinity : Infinity) : NaN;
    return { value, consumed: at + special[0].length, outOfRange: false };
  }
  const hex = HEX.exec(rest);
  if (hex !== null) return hexValue(hex, at);
  const decimal = DECIMAL.exec(rest);
  if (decimal === null) return { value: 0, consumed: 0, outOfRange: false };
  const value = Number(decimal[0]);
  const nonZeroDigits = /[1-9]/.test(decimal[0].replace(/e.*$/i, ''));
  const outOfRange = !Number.isFinite(value) || (value === 0 && nonZeroDigits);
  return { value, consumed: at + decimal[0].length, outOfRange };
}

function hexValue(match: RegExpExecArray, at: number): Strtod {
  const [text, sign, whole = '', fraction = match[4] ?? '', exponentText] = match;
  const digits = BigInt('0x' + ((whole + fraction).replace(/^0+/, '') || '0'));
  let exponent = (exponentText === undefined ? 0 : Number(exponentText)) - 4 * fraction.length;
  let value = Number(digits); // exact below 2^53; above, rounded once (the rare double rounding is accepted)
  // Scale by powers of two in steps that stay exact until the final (possibly subnormal) result.
  while (exponent > 0 && Number.isFinite(value)) {
    const step = Math.min(exponent, 1000);
    value *= 2 ** step;
    exponent -= step;
  }
  while (exponent < 0 && value !== 0) {
    const step = Math.max(exponent, -1000);
    value *= 2 ** step;
    exponent -= step;
  }
  const negative = sign === '-';
  const outOfRange = !Number.isFinite(value) || (value === 0 && digits !== 0n);
  return { value: negative ? -value : value, consumed: at + text.length, outOfRange };
}

/** string2d (getDoubleFromObject): the whole text is one finite-or-inf number, or undefined. */
export function parseScore(bytes: Uint8Array): number | undefined {
  if (bytes.length === 0) return undefined;
  const text = latin1(bytes);
  if (SPACE.test(text)) return undefined;
  const parsed = strtod(text);
  if (parsed.consumed !== text.length || Number.isNaN(parsed.value)) return undefined;
  if (parsed.outOfRange && (!Number.isFinite(parsed.value) || parsed.value === 0)) return undefined;
  return parsed.value;
}

/** One bound of zslParseRange: "(x" is exclusive; strtod must reach the end (or a NUL). */
export function parseScoreBound(bytes: Uint8Array): { value: number; exclusive: boolean } | undefined {
  let text = latin1(bytes);
  const nul = text.indexOf('\u0000');
  if (nul !== -1) text = text.slice(0, nul);
  const exclusive = text.startsWith('(');
  if (exclusive) text = text.slice(1);
  const parsed = strtod(text);
  if (parsed.consumed !== text.length || Number.isNaN(parsed.value)) return undefined;
  return { value: parsed.value, exclusive };
}

function latin1(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += String.fromCharCode(bytes[i] as number);
  return out;
}
