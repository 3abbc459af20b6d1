// Glob matching exactly as Redis's stringmatchlen (KEYS, SCAN MATCH): * ? [abc] [^a-z] and \
// escapes, over raw bytes (chars compare as signed bytes in ranges, as C's char does on x86).
// A cap on '*' nesting keeps hostile patterns from exhausting the stack, as Redis 7.2+ does.

const STAR_NESTING_MAX = 1000;

function signed(byte: number): number {
  return byte > 127 ? byte - 256 : byte;
}

/** Whether `subject` matches `pattern` (both raw bytes). */
export function globMatch(pattern: Uint8Array, subject: Uint8Array): boolean {
  const state = { skipLonger: false };
  return matchFrom(pattern, 0, subject, 0, state, 0);
}

/**
 * Whether `subject` matches `pattern` ignoring ASCII case, as stringmatchlen with nocase (CONFIG
 * GET): Redis folds each byte it compares with tolower, the same as folding both inputs first.
 */
export function globMatchNoCase(pattern: Uint8Array, subject: Uint8Array): boolean {
  return globMatch(asciiLower(pattern), asciiLower(subject));
}

function asciiLower(bytes: Uint8Array): Uint8Array {
  return bytes.map((byte) => (byte >= 0x41 && byte <= 0x5a ? byte + 0x20 : byte));
}

/** The byte at i, or 0 past the end (Redis's patterns are NUL-terminated sds strings). */
function at(bytes: Uint8Array, i: number): number {
  return i < bytes.length ? (bytes[i] as number) : 0;
}

function matchFrom(
  pattern: Uint8Array, patternStart: number, subject: Uint8Array, subjectStart: number,
  state: { skipLonger: boolean }, nesting: number,
): boolean {
  if (nesting > STAR_NESTING_MAX) return false;
  let p = patternStart;
  let s = subjectStart;
  const pEnd = pattern.length;
  const sEnd = subject.length;
  while (p < pEnd && s < sEnd) {
    const c = pattern[p];
    if (c === 0x2a) { // '*'
      while (p + 1 < pEnd && pattern[p + 1] === 0x2a) p++;
      if (p + 1 === pEnd) return true;
      while (s < sEnd) {
        if (matchFrom(pattern, p + 1, subject, s, state, nesting + 1)) return true;
        if (state.skipLonger) return false;
        s++;
      }
      state.skipLonger = true;
      return false;
    } else if (c === 0x3f) { // '?'
      s++;
    } else if (c === 0x5b) { // '['
      const result = matchClass(pattern, p + 1, subject[s] as number);
      if (!result.match) return false;
      p = result.end;
      s++;
    } else {
      if (c === 0x5c && pEnd - p >= 2) p++; // '\' escapes the next byte
      if (pattern[p] !== subject[s]) return false;
      s++;
    }
    p++;
    if (s === sEnd) {
      while (at(pattern, p) === 0x2a && p < pEnd) p++;
      break;
    }
  }
  return p >= pEnd && s === sEnd;
}

/** A [...] class starting after '['; returns whether `byte` matched and where the class ends (its ']'). */
function matchClass(pattern: Uint8Array, start: number, byte: number): { match: boolean; end: number } {
  let p = start;
  const pEnd = pattern.length;
  const negate = at(pattern, p) === 0x5e; // '^'
  if (negate) p++;
  let match = false;
  for (;;) {
    const left = pEnd - p;
    const c = at(pattern, p);
    if (c === 0x5c && left >= 2) {
      p++;
      if (pattern[p] === byte) match = true;
    } else if (c === 0x5d && left > 0) { // ']'
      break;
    } else if (left <= 0) {
      p--; // unterminated: the class runs to the end of the pattern
      break;
    } else if (left >= 3 && pattern[p + 1] === 0x2d) { // a-z
      let low = signed(c);
      let high = signed(pattern[p + 2] as number);
      if (low > high) [low, high] = [high, low];
      const value = signed(byte);
      if (value >= low && value <= high) match = true;
      p += 2;
    } else if (c === byte) {
      match = true;
    }
    p++;
  }
  return { match: negate ? !match : match, end: p };
}
