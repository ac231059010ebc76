/**
 * Block Kit layout as plain data (src/ never imports the Slack SDK).
 *
 * Slack parses `mrkdwn` text: `<!channel>`, `<@U1>`, `<#C1>`, `<https://x|label>` and `&` entities
 * are markup there. So mrkdwn is written only with the `mrkdwn` template below: the template's own
 * characters are Hearth's markup (`*bold*`, backticks), and everything interpolated into it
 * (customer text, owner arguments, names, topics) is escaped and can never become a mention, a link
 * or an entity. A mrkdwn text object only takes that template's result (the `MrkdwnText` brand), so
 * a plain string cannot end up in one by mistake. `plain_text` objects are shown literally by Slack
 * and take any string. A message's `text` is plain text on every platform; the Slack adapter
 * escapes it itself.
 */

declare const trusted: unique symbol;
/** Text that only `mrkdwn` (and the builders here) produce: Hearth's markup, escaped interpolations. */
export type MrkdwnText = string & { readonly [trusted]: true };

/** Escapes the three characters Slack reads as markup (https://api.slack.com/reference/surfaces/formatting#escaping). */
export function escapeMrkdwn(text: string): string {
  return text.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

/** Module-private: the only ways to make a Mrkdwn are `mrkdwn` and `Mrkdwn.join`. */
let trust: (text: string) => Mrkdwn;

/** A piece of mrkdwn Hearth built; interpolating it into another `mrkdwn` keeps it as markup. */
export class Mrkdwn {
  static {
    trust = (text) => new Mrkdwn(text as MrkdwnText);
  }

  private constructor(readonly text: MrkdwnText) {}

  /** Joins pieces of mrkdwn with a separator (escaped like any other text; default a new line). */
  static join(parts: readonly Mrkdwn[], separator = '\n'): Mrkdwn {
    return trust(parts.map((part) => part.text).join(escapeMrkdwn(separator)));
  }

  toString(): string {
    return this.text;
  }
}

export type MrkdwnValue = string | number | Mrkdwn;

/** mrkdwn`*Topics*\n${name}`: literal parts are markup, interpolated strings and numbers are escaped. */
export function mrkdwn(strings: TemplateStringsArray, ...values: MrkdwnValue[]): Mrkdwn {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += value instanceof Mrkdwn ? value.text : escapeMrkdwn(String(value));
    out += strings[i + 1] ?? '';
  });
  return trust(out);
}

export interface PlainTextObject {
  type: 'plain_text';
  text: string;
  emoji?: boolean;
}
export interface MrkdwnObject {
  type: 'mrkdwn';
  text: MrkdwnText;
}
export type TextObject = PlainTextObject | MrkdwnObject;

/** The Block Kit blocks features build (the Slack adapter adds buttons as `actions` blocks itself). */
export type Block =
  | { type: 'header'; text: PlainTextObject }
  | { type: 'section'; text: TextObject }
  | { type: 'section'; fields: TextObject[] }
  | { type: 'context'; elements: TextObject[] }
  | { type: 'divider' };

/** Cuts mrkdwn to `max` characters without leaving half an entity (`&am`) or half a character. */
function clipMrkdwn(text: string, max: number): MrkdwnText {
  if (text.length <= max) return text as MrkdwnText;
  let cut = text.slice(0, max - 1).replace(/&[a-z]{0,3}$/, '');
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…` as MrkdwnText;
}

function plain(text: string, max: number): PlainTextObject {
  return { type: 'plain_text', text: text.length <= max ? text : `${text.slice(0, max - 1)}…` };
}

/** A header line (plain text, Slack's 150-character limit). */
export function header(text: string): Block {
  return { type: 'header', text: plain(text, 150) };
}

/** A section of mrkdwn (Slack's 3,000-character limit). */
export function section(text: Mrkdwn): Block {
  return { type: 'section', text: { type: 'mrkdwn', text: clipMrkdwn(text.text, 3000) } };
}

/** A section of up to 10 short mrkdwn fields shown in two columns. */
export function fields(items: readonly Mrkdwn[]): Block {
  return {
    type: 'section',
    fields: items.slice(0, 10).map((item) => ({ type: 'mrkdwn', text: clipMrkdwn(item.text, 2000) })),
  };
}

/** A small grey line under a message. */
export function context(text: Mrkdwn): Block {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: clipMrkdwn(text.text, 3000) }] };
}

export function divider(): Block {
  return { type: 'divider' };
}
