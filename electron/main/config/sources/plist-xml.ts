/**
 * A strict reader for XML property lists (what `plutil -convert xml1` writes and
 * what configuration profiles carry). Written here rather than taken from npm
 * because the app needs a few dozen lines of it, and a parser of administrator
 * input in main is code we would rather read in full than trust in bulk.
 * Anything outside the plist DTD (attributes on values, stray text, unknown
 * elements, unclosed tags) is an error, never skipped.
 */
export type PlistValue = string | number | boolean | Date | Uint8Array | PlistValue[] | PlistDict;
export interface PlistDict {
  [key: string]: PlistValue;
}

export class PlistSyntaxError extends Error {
  override readonly name = 'PlistSyntaxError';
}

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function parsePlistXml(xml: string): PlistValue {
  const reader = new Reader(xml.replace(/^\uFEFF/, ''));
  reader.skipProlog();
  const open = reader.openTag();
  if (open.name !== 'plist') throw reader.error(`expected <plist>, found <${open.name}>`);
  if (open.selfClosing) throw reader.error('<plist/> holds no value');
  const value = reader.value();
  reader.closeTag('plist');
  reader.skipMisc();
  if (!reader.atEnd()) throw reader.error('text after </plist>');
  return value;
}

interface Tag {
  name: string;
  selfClosing: boolean;
}

class Reader {
  private position = 0;

  constructor(private readonly xml: string) {}

  error(message: string): PlistSyntaxError {
    const line = this.xml.slice(0, this.position).split('\n').length;
    return new PlistSyntaxError(`line ${line}: ${message}`);
  }

  atEnd(): boolean {
    return this.position >= this.xml.length;
  }

  /** The XML declaration, the DOCTYPE, comments and white space before the root. */
  skipProlog(): void {
    this.skipWhitespace();
    if (this.xml.startsWith('<?xml', this.position)) this.skipPast('?>');
    this.skipMisc();
    if (this.xml.startsWith('<!DOCTYPE', this.position)) this.skipPast('>');
    this.skipMisc();
  }

  /** White space and comments. */
  skipMisc(): void {
    for (;;) {
      this.skipWhitespace();
      if (!this.xml.startsWith('<!--', this.position)) return;
      const end = this.xml.indexOf('-->', this.position + 4);
      // XML forbids -- inside a comment; a PEM pasted into one is the usual way to get it.
      if (end < 0 || this.xml.slice(this.position + 4, end).includes('--')) throw this.error('a comment that is not closed, or holds --');
      this.position = end + 3;
    }
  }

  openTag(): Tag {
    this.skipMisc();
    const match = /^<([A-Za-z][A-Za-z0-9]*)((?:\s+[A-Za-z]+="[^"<]*")*)\s*(\/?)>/.exec(this.xml.slice(this.position));
    if (!match) throw this.error('expected an element');
    const name = match[1] ?? '';
    const attributes = match[2] ?? '';
    // Only the root carries an attribute (version); anything else is not a plist.
    if (attributes.trim() !== '' && !(name === 'plist' && /^\s+version="1\.0"$/.test(attributes))) {
      throw this.error(`unexpected attributes on <${name}>`);
    }
    this.position += match[0].length;
    return { name, selfClosing: match[3] === '/' };
  }

  closeTag(name: string): void {
    this.skipMisc();
    const closing = `</${name}>`;
    if (!this.xml.startsWith(closing, this.position)) throw this.error(`expected ${closing}`);
    this.position += closing.length;
  }

  value(): PlistValue {
    const tag = this.openTag();
    switch (tag.name) {
      case 'dict':
        return tag.selfClosing ? {} : this.dict();
      case 'array':
        return tag.selfClosing ? [] : this.array();
      case 'true':
      case 'false':
        if (!tag.selfClosing) this.closeTag(tag.name);
        return tag.name === 'true';
      case 'string':
        return tag.selfClosing ? '' : this.text('string');
      case 'integer':
        return this.number(tag, /^[+-]?\d+$/, 'integer');
      case 'real':
        return this.number(tag, /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/, 'real');
      case 'date': {
        const text = tag.selfClosing ? '' : this.text('date');
        const date = new Date(text);
        if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(text) || Number.isNaN(date.getTime())) throw this.error(`bad <date> ${text}`);
        return date;
      }
      case 'data': {
        const text = (tag.selfClosing ? '' : this.text('data')).replace(/\s+/g, '');
        if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw this.error('bad base64 in <data>');
        return new Uint8Array(Buffer.from(text, 'base64'));
      }
      default:
        throw this.error(`<${tag.name}> is not a plist value`);
    }
  }

  private dict(): PlistDict {
    const dict: PlistDict = {};
    for (;;) {
      this.skipMisc();
      if (this.xml.startsWith('</dict>', this.position)) {
        this.position += '</dict>'.length;
        return dict;
      }
      const tag = this.openTag();
      if (tag.name !== 'key') throw this.error(`expected <key> in <dict>, found <${tag.name}>`);
      const key = tag.selfClosing ? '' : this.text('key');
      if (Object.hasOwn(dict, key)) throw this.error(`key ${key} appears twice`);
      // defineProperty: a key named __proto__ must stay a key, not become the prototype.
      Object.defineProperty(dict, key, { value: this.value(), enumerable: true, writable: true, configurable: true });
    }
  }

  private array(): PlistValue[] {
    const items: PlistValue[] = [];
    for (;;) {
      this.skipMisc();
      if (this.xml.startsWith('</array>', this.position)) {
        this.position += '</array>'.length;
        return items;
      }
      items.push(this.value());
    }
  }

  private number(tag: Tag, pattern: RegExp, name: string): number {
    const text = tag.selfClosing ? '' : this.text(name).trim();
    if (!pattern.test(text)) throw this.error(`bad <${name}> ${text}`);
    const value = Number(text);
    if (name === 'integer' && !Number.isSafeInteger(value)) throw this.error(`<integer> ${text} is out of range`);
    return value;
  }

  /** Character data up to the closing tag, entities decoded. */
  private text(name: string): string {
    const end = this.xml.indexOf('<', this.position);
    if (end < 0) throw this.error(`unclosed <${name}>`);
    const raw = this.xml.slice(this.position, end);
    this.position = end;
    this.closeTag(name);
    return raw.replace(/&([^;\s&]*);?/g, (whole, entity: string) => {
      if (!whole.endsWith(';')) throw this.error(`bare & in <${name}>`);
      return decodeEntity(entity) ?? failEntity(this, entity);
    });
  }

  private skipWhitespace(): void {
    while (this.position < this.xml.length && /\s/.test(this.xml[this.position] ?? '')) this.position += 1;
  }

  private skipPast(terminator: string): void {
    const end = this.xml.indexOf(terminator, this.position);
    if (end < 0) throw this.error(`expected ${terminator}`);
    this.position = end + terminator.length;
  }
}

function decodeEntity(entity: string): string | undefined {
  const named = ENTITIES[entity];
  if (named !== undefined) return named;
  const numeric = /^#(?:x([0-9A-Fa-f]+)|(\d+))$/.exec(entity);
  if (!numeric) return undefined;
  const codePoint = numeric[1] !== undefined ? parseInt(numeric[1], 16) : Number(numeric[2]);
  return codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : undefined;
}

function failEntity(reader: Reader, entity: string): never {
  throw reader.error(`unknown entity &${entity};`);
}
