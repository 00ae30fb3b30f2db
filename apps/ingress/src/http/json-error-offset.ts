const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/**
 * Byte offset of the first JSON syntax error in `bytes` (RFC 8259), or the length when the input ends early.
 * V8's JSON.parse messages give a UTF-16 position only for some errors and quote the body for others, so
 * the offset that goes into a problem `detail` is computed here from the bytes themselves.
 * Only called after JSON.parse failed, so it never runs on the fast path. Nesting is tracked in an explicit
 * stack of closing brackets rather than by recursion: hostile bodies nest deeper than the call stack allows.
 */
export function findJsonErrorOffset(bytes: Uint8Array): number {
  let pos = 0;
  const length = bytes.length;
  const closers: number[] = [];

  const fail = (): never => {
    throw new JsonSyntaxAt(pos);
  };
  const skipWhitespace = () => {
    while (pos < length) {
      const b = bytes[pos]!;
      if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return;
      pos++;
    }
  };
  const expectByte = (b: number) => {
    if (bytes[pos] !== b) fail();
    pos++;
  };
  const isDigit = (b: number | undefined) => b !== undefined && b >= 0x30 && b <= 0x39;
  const isHex = (b: number | undefined) =>
    b !== undefined && (isDigit(b) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66));

  const literal = (text: string) => {
    for (let i = 0; i < text.length; i++) expectByte(text.charCodeAt(i));
  };
  const string = () => {
    expectByte(QUOTE);
    for (;;) {
      const b = bytes[pos];
      if (b === undefined || b < 0x20) fail();
      if (b === QUOTE) {
        pos++;
        return;
      }
      if (b === 0x5c) {
        pos++;
        const escaped = bytes[pos];
        if (escaped === 0x75) {
          pos++;
          for (let i = 0; i < 4; i++) {
            if (!isHex(bytes[pos])) fail();
            pos++;
          }
        } else if (escaped !== undefined && '"\\/bfnrt'.includes(String.fromCharCode(escaped))) {
          pos++;
        } else {
          fail();
        }
      } else {
        pos++;
      }
    }
  };
  const number = () => {
    if (bytes[pos] === 0x2d) pos++;
    if (bytes[pos] === 0x30) pos++;
    else if (isDigit(bytes[pos])) while (isDigit(bytes[pos])) pos++;
    else fail();
    if (bytes[pos] === 0x2e) {
      pos++;
      if (!isDigit(bytes[pos])) fail();
      while (isDigit(bytes[pos])) pos++;
    }
    if (bytes[pos] === 0x65 || bytes[pos] === 0x45) {
      pos++;
      if (bytes[pos] === 0x2b || bytes[pos] === 0x2d) pos++;
      if (!isDigit(bytes[pos])) fail();
      while (isDigit(bytes[pos])) pos++;
    }
  };
  const memberName = () => {
    skipWhitespace();
    string();
    skipWhitespace();
    expectByte(COLON);
  };
  /** Consumes a scalar or an empty container; returns false after opening a non-empty container. */
  const valueStart = (): boolean => {
    skipWhitespace();
    const b = bytes[pos];
    if (b === OPEN_OBJECT || b === OPEN_ARRAY) {
      const close = b === OPEN_OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY;
      pos++;
      skipWhitespace();
      if (bytes[pos] === close) {
        pos++;
        return true;
      }
      closers.push(close);
      if (close === CLOSE_OBJECT) memberName();
      return false;
    }
    if (b === QUOTE) string();
    else if (b === 0x74) literal('true');
    else if (b === 0x66) literal('false');
    else if (b === 0x6e) literal('null');
    else if (b === 0x2d || isDigit(b)) number();
    else fail();
    return true;
  };

  try {
    for (;;) {
      if (!valueStart()) continue;
      // A value is complete: close finished containers until one takes another member, or the document ends.
      for (;;) {
        skipWhitespace();
        const close = closers.at(-1);
        if (close === undefined) {
          if (pos < length) fail();
          return length;
        }
        if (bytes[pos] === COMMA) {
          pos++;
          if (close === CLOSE_OBJECT) memberName();
          break;
        }
        expectByte(close);
        closers.pop();
      }
    }
  } catch (error) {
    if (error instanceof JsonSyntaxAt) return error.offset;
    throw error;
  }
}

class JsonSyntaxAt extends Error {
  constructor(readonly offset: number) {
    super(`JSON syntax error at byte ${offset}`);
  }
}
