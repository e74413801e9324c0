import type { RegistryKeyExport, RegistryValue } from './reg-file.js';

/**
 * A reader for what `reg query <key> /s` prints: each key's full path at the
 * start of a line, then its values indented by four spaces as
 * `name    TYPE    data`, with four spaces between the columns. REG_DWORD
 * data is printed as 0x…, binary types as hex, and a REG_MULTI_SZ's strings
 * joined by the two characters \0. Anything else is refused rather than read
 * in part: a line that fits none of these (a string with a line break in it)
 * would otherwise turn into a setting nobody set.
 */
export class RegQuerySyntaxError extends Error {
  override readonly name = 'RegQuerySyntaxError';
}

const KEY_LINE = /^HKEY_[A-Z_]+(?:\\[^\\]+)*$/;
const VALUE_LINE = /^ {4}(.*?) {4}(REG_[A-Z_]+)(?: {4}(.*))?$/;
const HEX = /^[0-9A-Fa-f]*$/;

export function parseRegQuery(text: string): RegistryKeyExport[] {
  const keys: { path: string; values: RegistryValue[] }[] = [];
  for (const [index, line] of text.split(/\r\n|\n|\r/).entries()) {
    if (line.trim() === '') continue;
    const fail = (message: string) => new RegQuerySyntaxError(`reg query line ${index + 1}: ${message}`);
    if (KEY_LINE.test(line)) {
      keys.push({ path: line, values: [] });
      continue;
    }
    const value = VALUE_LINE.exec(line);
    if (!value) throw fail('neither a key nor a "name    TYPE    data" value');
    const current = keys.at(-1);
    if (!current) throw fail('a value before any key');
    current.values.push(registryValue(value[1] ?? '', value[2] ?? '', value[3] ?? '', fail));
  }
  return keys;
}

function registryValue(name: string, type: string, data: string, fail: (message: string) => RegQuerySyntaxError): RegistryValue {
  switch (type) {
    case 'REG_SZ':
    case 'REG_EXPAND_SZ':
      return { name, type, data };
    case 'REG_MULTI_SZ':
      return { name, type, data: data === '' ? [] : data.split('\\0') };
    case 'REG_DWORD': {
      if (!/^0x[0-9A-Fa-f]{1,8}$/.test(data)) throw fail(`"${name}" is a REG_DWORD printed as "${data}"`);
      return { name, type, data: parseInt(data.slice(2), 16) };
    }
    case 'REG_NONE':
    case 'REG_BINARY':
    case 'REG_DWORD_BIG_ENDIAN':
    case 'REG_LINK':
    case 'REG_RESOURCE_LIST':
    case 'REG_QWORD': {
      const hex = data.startsWith('0x') ? data.slice(2) : data;
      // A QWORD prints as a number, not as bytes; the app reads none of these types, so only their type matters.
      return { name, type, data: HEX.test(hex) && hex.length % 2 === 0 ? Uint8Array.from(Buffer.from(hex, 'hex')) : new Uint8Array() };
    }
    default:
      return { name, type: 'REG_OTHER', data: new Uint8Array() };
  }
}
