// Splits an inline command line ("SET k \"v w\"") into arguments the way Redis's sdssplitargs
// does: whitespace separates, double quotes understand \n \r \t \b \a \xHH and \", single quotes
// only \', and a closing quote must be followed by whitespace or the end of the line. A token
// without quotes is a view of the line's bytes; one with quotes is a copy (its escapes decoded).

import { assert } from '../lib/assert.js';

const space = 0x20;
const tab = 0x09;
const newline = 0x0a;
const carriageReturn = 0x0d;
const doubleQuote = 0x22;
const singleQuote = 0x27;
const backslash = 0x5c;

/** Returns the arguments, or undefined when the quotes are unbalanced. */
export function splitInlineArgs(line: Uint8Array): Buffer[] | undefined {
  const args: Buffer[] = [];
  let index = 0;
  // Each pass consumes at least one byte or returns, so the loop ends within line.length passes.
  for (let pass = 0; pass <= line.length; pass++) {
    while (index < line.length && isCSpace(line[index]!)) index++;
    if (index >= line.length) return args;
    // A token without quotes (PING, GET key): a view of the line's bytes, no copy.
    const plainEnd = plainTokenEnd(line, index);
    if (plainEnd > index) {
      args.push(Buffer.from(line.buffer, line.byteOffset + index, plainEnd - index));
      index = plainEnd;
      continue;
    }
    const token = readToken(line, index);
    if (token === undefined) return undefined;
    assert(token.end > index, 'an inline token consumes at least one byte');
    args.push(Buffer.from(token.bytes));
    index = token.end;
  }
  assert(false, 'inline split did not terminate');
}

/** Where an unquoted token starting at `start` ends (readToken's terminators); -1 when it holds a quote (readToken decides). */
function plainTokenEnd(line: Uint8Array, start: number): number {
  for (let index = start; index < line.length; index++) {
    const byte = line[index]!;
    if (byte === space || byte === newline || byte === carriageReturn || byte === tab || byte === 0) return index;
    if (byte === doubleQuote || byte === singleQuote) return -1;
  }
  return line.length;
}

interface Token {
  readonly bytes: number[];
  readonly end: number;
}

function readToken(line: Uint8Array, start: number): Token | undefined {
  const bytes: number[] = [];
  let quote: 0 | typeof doubleQuote | typeof singleQuote = 0;
  let index = start;
  while (index < line.length) {
    const byte = line[index]!;
    if (quote === doubleQuote) {
      if (byte === backslash && index + 3 < line.length && line[index + 1] === 0x78 && isHex(line[index + 2]!) && isHex(line[index + 3]!)) {
        bytes.push(hexValue(line[index + 2]!) * 16 + hexValue(line[index + 3]!));
        index += 4;
        continue;
      }
      if (byte === backslash && index + 1 < line.length) {
        bytes.push(escaped(line[index + 1]!));
        index += 2;
        continue;
      }
      if (byte === doubleQuote) {
        if (index + 1 < line.length && !isCSpace(line[index + 1]!)) return undefined;
        return { bytes, end: index + 1 };
      }
      bytes.push(byte);
    } else if (quote === singleQuote) {
      if (byte === backslash && index + 1 < line.length && line[index + 1] === singleQuote) {
        bytes.push(singleQuote);
        index += 2;
        continue;
      }
      if (byte === singleQuote) {
        if (index + 1 < line.length && !isCSpace(line[index + 1]!)) return undefined;
        return { bytes, end: index + 1 };
      }
      bytes.push(byte);
    } else {
      if (byte === space || byte === newline || byte === carriageReturn || byte === tab || byte === 0) {
        return { bytes, end: index };
      }
      if (byte === doubleQuote) quote = doubleQuote;
      else if (byte === singleQuote) quote = singleQuote;
      else bytes.push(byte);
    }
    index++;
  }
  // The line ended inside quotes: unbalanced.
  if (quote !== 0) return undefined;
  return { bytes, end: index };
}

function escaped(byte: number): number {
  switch (byte) {
    case 0x6e: return 0x0a; // \n
    case 0x72: return 0x0d; // \r
    case 0x74: return 0x09; // \t
    case 0x62: return 0x08; // \b
    case 0x61: return 0x07; // \a
    default: return byte;
  }
}

/** C isspace(): space, \t, \n, \v, \f, \r. */
function isCSpace(byte: number): boolean {
  return byte === space || (byte >= 0x09 && byte <= 0x0d);
}

function isHex(byte: number): boolean {
  return (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66);
}

function hexValue(byte: number): number {
  if (byte <= 0x39) return byte - 0x30;
  if (byte <= 0x46) return byte - 0x41 + 10;
  return byte - 0x61 + 10;
}
