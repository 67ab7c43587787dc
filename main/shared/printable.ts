/**
 * Text from a file made safe to show: error messages quote file content (a title line, a token, a header), and a
 * file can hold terminal control sequences (ESC [ … that recolour, move the cursor, retitle the window or hide what
 * follows). Control characters are shown as visible escapes instead, so what the user reads is what the file holds.
 */

/** C0 controls, DEL, C1 controls, and the Unicode bidirectional overrides that can reorder what a terminal shows. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_KEEPING_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeOne(c: string): string {
  const named = NAMED[c];
  if (named !== undefined) return named;
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * `text` with every control character (C0, DEL, C1, ESC, bidirectional overrides) replaced by a visible escape
 * (`\x1b`, `\n`, `\u202e` …), cut to at most `maxLength` characters (an ellipsis marks the cut).
 */
export function printable(text: string, maxLength = 200): string {
  const limit = Math.max(1, Math.floor(maxLength));
  const cut = text.length > limit ? text.slice(0, limit) : text;
  const safe = cut.replace(UNSAFE, escapeOne);
  if (text.length <= limit && safe.length <= limit) return safe;
  return `${safe.slice(0, limit)}…`;
}

/**
 * A whole message made safe for a terminal: like printable, but keeps line breaks and tabs (messages may span
 * lines) and cuts only very long text.
 */
export function printableMessage(text: string, maxLength = 4000): string {
  const limit = Math.max(1, Math.floor(maxLength));
  const safe = (text.length > limit ? text.slice(0, limit) : text).replace(UNSAFE_KEEPING_LINES, escapeOne);
  return text.length > limit ? `${safe}…` : safe;
}
