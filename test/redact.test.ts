import { describe, expect, it } from 'vitest';
import { redact, stripSecrets } from '../src/redact.js';

describe('redact', () => {
  it.each([
    ['token ya29.a0AfH6SMB-x_y.z here', 'token [redacted] here'],
    ['token ya29.A0xyz-_ end', 'token [redacted] end'],
    ['Authorization: Bearer abc.def-ghi', 'Authorization: Bearer [redacted]'],
    ['Authorization: Bearer abc.def', 'Authorization: Bearer [redacted]'],
    ['Authorization: Basic dXNlcjpwYXNz', 'Authorization: Basic [redacted]'],
    ['{"password":"hunter2","user":"u"}', '{"password":"[redacted]","user":"u"}'],
    ['{"auths":{"h":{"auth":"dXNlcjpwYXNz"}},"identitytoken":"x"}', '{"auths":{"h":{"auth":"[redacted]"}},"identitytoken":"[redacted]"}'],
    ['?access_token=abc&x=1', '?access_token=[redacted]&x=1'],
    ['--format=value(name) --project=p', '--format=value(name) --project=p'],
    ['Error: no basic auth credentials', 'Error: no basic auth credentials'],
    ['nothing secret', 'nothing secret'],
  ])('redact(%j)', (input, want) => {
    expect(redact(input)).toBe(want);
  });
});

describe('stripSecrets', () => {
  it.each([
    {
      case: 'fields named like a secret are dropped, token-like strings redacted, deep',
      v: { a: 'x', token: 't', list: ['Bearer abc', 'ok'], deep: { Secret: 's', keep: 1 } },
      want: { a: 'x', list: ['[redacted]', 'ok'], deep: { keep: 1 } },
    },
    { case: 'an access token in a value', v: { note: 'saved ya29.abcdefghijklmnop' }, want: { note: '[redacted]' } },
    { case: 'undefined and functions are dropped', v: { a: undefined, f: () => 1, n: null, k: 0 }, want: { n: null, k: 0 } },
    { case: 'plain values stay', v: ['demo', 3, true], want: ['demo', 3, true] },
  ])('$case', ({ v, want }) => {
    expect(stripSecrets(v)).toEqual(want);
  });
});
