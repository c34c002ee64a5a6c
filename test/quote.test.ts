import { describe, expect, it } from 'vitest';
import { quoteArg } from '../src/quote.js';

describe('quoteArg', () => {
  it.each([
    { arg: 'mycoolproject-repo', shown: 'mycoolproject-repo' },
    { arg: 'us-docker.pkg.dev/p/r/app:latest', shown: 'us-docker.pkg.dev/p/r/app:latest' },
    { arg: "it's here", shown: `'it'\\''s here'` },
    { arg: '--format=value(name)', shown: "'--format=value(name)'" },
    { arg: '', shown: "''" },
  ])('$arg → $shown', ({ arg, shown }) => expect(quoteArg(arg)).toBe(shown));
});
