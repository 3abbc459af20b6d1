// C's strtod (glibc, "C" locale) over bytes: what lua-cjson's decoder reads numbers with, so it takes
// what glibc takes — a sign, decimals with exponents, hexadecimal ("0x1p4"), "inf"/"infinity", "nan"
// and "nan(chars)" — and stops where glibc stops. Leading white space is the caller's business
// (cjson never passes any).

export interface Strtod {
  value: number;
  /** Index of the first byte not consumed; equal to `start` when nothing was converted. */
  end: number;
}

const ZERO = 0x30;

function isDigit(byte: number | undefined): boolean {
  return byte !== undefined && byte >= ZERO && byte <= ZERO + 9;
}

function hexValue(byte: number | undefined): number {
  if (byte === undefined) return -1;
  if (isDigit(byte)) return byte - ZERO;
  const lower = byte | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/** Whether bytes at `at` spell `word` ignoring ASCII case. */
function matchesWord(bytes: Uint8Array, at: number, word: string): boolean {
  for (let i = 0; i < word.length; i++) {
    const byte = bytes[at + i];
    if (byte === undefined || (byte | 0x20) !== word.charCodeAt(i)) return false;
  }
  return true;
}

export function strtod(bytes: Uint8Array, start: number): Strtod {
  let at = start;
  const negative = bytes[at] === 0x2d;
  if (bytes[at] === 0x2b || bytes[at] === 0x2d) at++;
  const sign = negative ? -1 : 1;
  const special = parseSpecial(bytes, at);
  if (special !== undefined) return { value: sign * special.value, end: special.end };
  if (bytes[at] === ZERO) {
    const hex = parseHex(bytes, at);
    if (hex !== undefined) return { value: sign * hex.value, end: hex.end };
  }
  const decimal = parseDecimal(bytes, at);
  if (decimal === undefined) return { value: 0, end: start };
  return { value: sign * decimal.value, end: decimal.end };
}

function parseSpecial(bytes: Uint8Array, at: number): Strtod | undefined {
  if (matchesWord(bytes, at, 'infinity')) return { value: Infinity, end: at + 8 };
  if (matchesWord(bytes, at, 'inf')) return { value: Infinity, end: at + 3 };
  if (!matchesWord(bytes, at, 'nan')) return undefined;
  let end = at + 3;
  if (bytes[end] === 0x28) {
    let close = end + 1;
    while (close < bytes.length && isNanChar(bytes[close] as number)) close++;
    if (bytes[close] === 0x29) end = close + 1;
  }
  return { value: NaN, end };
}

function isNanChar(byte: number): boolean {
  return isDigit(byte) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7a) || byte === 0x5f;
}

/** "0x" hex digits [. hex digits] [p [sign] digits]; undefined when no hex digit follows "0x". */
function parseHex(bytes: Uint8Array, at: number): Strtod | undefined {
  if (((bytes[at + 1] ?? 0) | 0x20) !== 0x78) return undefined;
  let i = at + 2;
  let mantissa = 0n;
  let digitCount = 0;
  let fractionDigits = 0;
  for (; hexValue(bytes[i]) >= 0; i++, digitCount++) mantissa = mantissa * 16n + BigInt(hexValue(bytes[i]));
  if (bytes[i] === 0x2e) {
    for (i++; hexValue(bytes[i]) >= 0; i++, digitCount++, fractionDigits++) {
      mantissa = mantissa * 16n + BigInt(hexValue(bytes[i]));
    }
  }
  if (digitCount === 0) return undefined;
  let exponent = 0;
  const p = i;
  if (((bytes[p] ?? 0) | 0x20) === 0x70) {
    const exp = parseExponentDigits(bytes, p + 1);
    if (exp !== undefined) [exponent, i] = [exp.value, exp.end];
  }
  return { value: scaleBinary(mantissa, exponent - 4 * fractionDigits), end: i };
}

/** [sign] digits after an exponent marker, or undefined when there is no digit. */
function parseExponentDigits(bytes: Uint8Array, at: number): Strtod | undefined {
  let i = at;
  const negative = bytes[i] === 0x2d;
  if (bytes[i] === 0x2b || bytes[i] === 0x2d) i++;
  if (!isDigit(bytes[i])) return undefined;
  let value = 0;
  for (; isDigit(bytes[i]); i++) value = Math.min(value * 10 + ((bytes[i] as number) - ZERO), 1e6);
  return { value: negative ? -value : value, end: i };
}

/** mantissa × 2^exponent, rounded once to the nearest double. */
function scaleBinary(mantissa: bigint, exponent: number): number {
  if (mantissa === 0n) return 0;
  let m = mantissa;
  let e = exponent;
  const bits = m.toString(2).length;
  if (bits > 64) {
    // Keep 64 bits plus a sticky bit: enough for one correct rounding to 53 bits.
    const drop = BigInt(bits - 64);
    const sticky = (m & ((1n << drop) - 1n)) !== 0n ? 1n : 0n;
    m = (m >> drop) | sticky;
    e += Number(drop);
  }
  // Two steps so that 2^e itself neither overflows nor underflows before the product does.
  const half = Math.trunc(e / 2);
  return Number(m) * 2 ** half * 2 ** (e - half);
}

function parseDecimal(bytes: Uint8Array, at: number): Strtod | undefined {
  let i = at;
  let digitCount = 0;
  for (; isDigit(bytes[i]); i++) digitCount++;
  if (bytes[i] === 0x2e) for (i++; isDigit(bytes[i]); i++) digitCount++;
  if (digitCount === 0) return undefined;
  if (((bytes[i] ?? 0) | 0x20) === 0x65) {
    const exp = parseExponentDigits(bytes, i + 1);
    if (exp !== undefined) i = exp.end;
  }
  let text = '';
  for (let k = at; k < i; k++) text += String.fromCharCode(bytes[k] as number);
  return { value: Number(text), end: i };
}
