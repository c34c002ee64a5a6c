import { describe, expect, it } from 'vitest';
import { storageFact } from '../src/facts.js';

describe('storage facts', () => {
  it.each([
    { bytes: 0, images: 0, want: /holds 0 images, about 0 B in all: 0% of the 0\.5 GB free/ },
    { bytes: 528, images: 1, want: /holds 1 image, about 528 B in all: well under 0\.1% of the 0\.5 GB free/ },
    { bytes: 12_345_000, images: 3, want: /about 12\.3 MB in all: 2\.5% of/ },
    { bytes: 750_000_000, images: 4, want: /about 750\.0 MB in all: more than the 0\.5 GB free each month, so about \$0\.03 a month/ },
  ])('$bytes bytes in $images images', async ({ bytes, images, want }) => {
    expect(storageFact('repo', { images, bytes })).toMatch(want);
  });
});
