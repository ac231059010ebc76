/**
 * Splits a text into pieces of at most `limit` characters, preferring paragraph, line and word
 * boundaries; a single word longer than the limit is cut. Whitespace at a split is dropped.
 * Counts UTF-16 code units (what Telegram and Discord count) and never cuts a surrogate pair.
 */
export function splitText(text: string, limit: number): string[] {
  if (limit < 2) throw new RangeError('limit must be at least 2');
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    const window = rest.slice(0, limit + 1);
    let cut = -1;
    for (const boundary of ['\n\n', '\n', ' ']) {
      const at = window.lastIndexOf(boundary);
      if (at > 0) {
        cut = at;
        break;
      }
    }
    if (cut <= 0) {
      cut = limit;
      const code = rest.charCodeAt(cut - 1);
      if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
      pieces.push(rest.slice(0, cut));
      rest = rest.slice(cut);
    } else {
      pieces.push(rest.slice(0, cut).trimEnd());
      rest = rest.slice(cut).trimStart();
    }
  }
  if (rest.length > 0 || pieces.length === 0) pieces.push(rest);
  return pieces.filter((p, i) => p.length > 0 || i === 0);
}
