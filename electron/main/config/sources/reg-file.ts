/**
 * A reader for registry export files (`reg export`, regedit's "Export": the
 * "Windows Registry Editor Version 5.00" format, UTF-16LE with a byte-order
 * mark): what administrators hand over and what the tests' samples are. The
 * app itself reads the registry with `reg query` on reg.exe's stdout
 * (reg-query.ts), never through an export file: a file in the person's %TEMP%
 * is theirs to forge.
 */
export type RegistryValue =
  | { readonly name: string; readonly type: 'REG_SZ' | 'REG_EXPAND_SZ'; readonly data: string }
  | { readonly name: string; readonly type: 'REG_DWORD'; readonly data: number }
  | { readonly name: string; readonly type: 'REG_MULTI_SZ'; readonly data: readonly string[] }
  | { readonly name: string; readonly type: OpaqueRegistryType; readonly data: Uint8Array };

type OpaqueRegistryType = 'REG_NONE' | 'REG_BINARY' | 'REG_DWORD_BIG_ENDIAN' | 'REG_LINK' | 'REG_RESOURCE_LIST' | 'REG_QWORD' | 'REG_OTHER';

export interface RegistryKeyExport {
  /** As written in the file: HKEY_LOCAL_MACHINE\SOFTWARE\Policies\FirstKey. */
  readonly path: string;
  readonly values: readonly RegistryValue[];
}

export class RegFileSyntaxError extends Error {
  override readonly name = 'RegFileSyntaxError';
}

const HEADER = 'Windows Registry Editor Version 5.00';
/** hex(n) type numbers (winnt.h REG_*). */
const HEX_TYPES: Readonly<Record<string, RegistryValue['type']>> = {
  '0': 'REG_NONE',
  '1': 'REG_SZ',
  '2': 'REG_EXPAND_SZ',
  '3': 'REG_BINARY',
  '4': 'REG_DWORD',
  '5': 'REG_DWORD_BIG_ENDIAN',
  '6': 'REG_LINK',
  '7': 'REG_MULTI_SZ',
  '8': 'REG_RESOURCE_LIST',
  b: 'REG_QWORD',
};

/** The text of an export file: UTF-16LE with its BOM as reg.exe writes it, or UTF-8. */
export function decodeRegFile(bytes: Uint8Array): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer[0] === 0xff && buffer[1] === 0xfe) return buffer.subarray(2).toString('utf16le');
  const text = buffer.toString('utf8');
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}

export function parseRegFile(text: string): RegistryKeyExport[] {
  const lines = logicalLines(text);
  const first = lines.findIndex((line) => line.text.trim() !== '');
  if (first < 0 || lines[first]?.text.trim() !== HEADER) {
    throw new RegFileSyntaxError(`the first line must be "${HEADER}" (REGEDIT4 files are not read)`);
  }
  const keys: { path: string; values: RegistryValue[] }[] = [];
  for (const { text: line, number } of lines.slice(first + 1)) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith(';')) continue;
    const fail = (message: string) => new RegFileSyntaxError(`line ${number}: ${message}`);
    if (trimmed.startsWith('[')) {
      if (!trimmed.endsWith(']')) throw fail('a key line must end with ]');
      if (trimmed.startsWith('[-')) throw fail('deletes a key; an export never does');
      keys.push({ path: trimmed.slice(1, -1), values: [] });
      continue;
    }
    const current = keys.at(-1);
    if (!current) throw fail('a value before any [key] line');
    current.values.push(parseValueLine(trimmed, fail));
  }
  return keys;
}

/** Lines with hex continuations (`,\` then an indented line) joined, numbered as in the file. */
function logicalLines(text: string): { text: string; number: number }[] {
  const physical = text.split(/\r\n|\n|\r/);
  const lines: { text: string; number: number }[] = [];
  for (let index = 0; index < physical.length; index += 1) {
    const number = index + 1;
    let line = physical[index] ?? '';
    while (line.endsWith('\\') && /=(hex(\([0-9a-fA-F]+\))?:)/.test(line) && index + 1 < physical.length) {
      index += 1;
      line = line.slice(0, -1) + (physical[index] ?? '').trim();
    }
    lines.push({ text: line, number });
  }
  return lines;
}

function parseValueLine(line: string, fail: (message: string) => RegFileSyntaxError): RegistryValue {
  let name: string;
  let rest: string;
  if (line.startsWith('@=')) {
    name = '';
    rest = line.slice(2);
  } else if (line.startsWith('"')) {
    const end = closingQuote(line, 1);
    if (end < 0) throw fail('unterminated value name');
    name = unescape(line.slice(1, end));
    if (line[end + 1] !== '=') throw fail('expected = after the value name');
    rest = line.slice(end + 2);
  } else {
    throw fail('expected a "name"=value line');
  }

  if (rest.startsWith('"')) {
    const end = closingQuote(rest, 1);
    if (end !== rest.length - 1) throw fail(`the string value of "${name}" is not closed at the end of its line`);
    return { name, type: 'REG_SZ', data: unescape(rest.slice(1, end)) };
  }
  const dword = /^dword:([0-9a-fA-F]{8})$/.exec(rest);
  if (dword) return { name, type: 'REG_DWORD', data: parseInt(dword[1] ?? '', 16) };
  const hex = /^hex(?:\(([0-9a-fA-F]+)\))?:([0-9a-fA-F]{2}(?:,[0-9a-fA-F]{2})*)?$/.exec(rest);
  if (hex) {
    const bytes = Uint8Array.from((hex[2] ?? '').split(',').filter(Boolean), (pair) => parseInt(pair, 16));
    return hexValue(name, HEX_TYPES[(hex[1] ?? '3').toLowerCase()] ?? 'REG_OTHER', bytes, fail);
  }
  if (rest === '-') throw fail(`deletes "${name}"; an export never does`);
  throw fail(`the value of "${name}" is not a string, dword: or hex: value`);
}

function hexValue(
  name: string,
  type: RegistryValue['type'],
  bytes: Uint8Array,
  fail: (message: string) => RegFileSyntaxError,
): RegistryValue {
  const utf16 = () => {
    if (bytes.length % 2 !== 0) throw fail(`"${name}" has an odd number of bytes for UTF-16 text`);
    return Buffer.from(bytes).toString('utf16le');
  };
  switch (type) {
    case 'REG_SZ':
    case 'REG_EXPAND_SZ':
      return { name, type, data: utf16().replace(/\0+$/, '') };
    case 'REG_MULTI_SZ': {
      // Each string ends with NUL and the list with one more.
      const text = utf16().replace(/\0+$/, '');
      return { name, type, data: text === '' ? [] : text.split('\0') };
    }
    case 'REG_DWORD':
      if (bytes.length !== 4) throw fail(`"${name}" is a REG_DWORD of ${bytes.length} bytes`);
      return { name, type, data: Buffer.from(bytes).readUInt32LE(0) };
    default:
      return { name, type, data: bytes };
  }
}

/** Index of the quote that closes a .reg string starting at `from` (\\ and \" are its only escapes). */
function closingQuote(text: string, from: number): number {
  for (let index = from; index < text.length; index += 1) {
    if (text[index] === '\\') index += 1;
    else if (text[index] === '"') return index;
  }
  return -1;
}

function unescape(text: string): string {
  return text.replace(/\\(.)/g, '$1');
}
