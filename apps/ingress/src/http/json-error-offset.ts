/**
 * Byte offset of the first JSON syntax error in `bytes` (RFC 8259), or the length when the input ends early.
 * V8's JSON.parse messages give a UTF-16 position only for some errors and quote the body for others, so
 * the offset that goes into a problem `detail` is computed here from the bytes themselves.
 * Only called after JSON.parse failed, so it never runs on the fast path.
 */
export function findJsonErrorOffset(bytes: Uint8Array): number {
  let pos = 0;
  const length = bytes.length;

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
    expectByte(0x22);
    for (;;) {
      const b = bytes[pos];
      if (b === undefined || b < 0x20) fail();
      if (b === 0x22) {
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
  const value = (depth: number): void => {
    skipWhitespace();
    const b = bytes[pos];
    if (b === 0x7b) container(0x7d, true, depth);
    else if (b === 0x5b) container(0x5d, false, depth);
    else if (b === 0x22) string();
    else if (b === 0x74) literal('true');
    else if (b === 0x66) literal('false');
    else if (b === 0x6e) literal('null');
    else if (b === 0x2d || isDigit(b)) number();
    else fail();
    skipWhitespace();
  };
  const container = (close: number, isObject: boolean, depth: number) => {
    // An iterative parser would need its own stack; a depth cap keeps recursion safe on hostile nesting.
    if (depth > 10_000) fail();
    pos++;
    skipWhitespace();
    if (bytes[pos] === close) {
      pos++;
      return;
    }
    for (;;) {
      if (isObject) {
        skipWhitespace();
        string();
        skipWhitespace();
        expectByte(0x3a);
      }
      value(depth + 1);
      if (bytes[pos] === 0x2c) {
        pos++;
        continue;
      }
      expectByte(close);
      return;
    }
  };

  try {
    value(0);
    if (pos < length) fail();
    return length;
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
