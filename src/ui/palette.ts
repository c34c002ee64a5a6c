// Colours by role, for Ink, the header (chalk) and the questions (styleText) alike. Chosen to read on
// light and on dark backgrounds: no yellow (faint on white), no blue or gray (faint on black), no
// white; running text keeps the terminal's own foreground and secondary text is dim. Colour is never
// the only carrier of meaning: every mark (✓ ! ✗ →) is a character of its own.
export const TONE = {
  ok: 'green',
  fail: 'red',
  warn: 'magenta',
  accent: 'cyan',
} as const;
