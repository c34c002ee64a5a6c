import { describe, expect, it } from 'vitest';
import { AREAS, ZONES_BY_REGION, regionForTimeZone } from '../src/timezones.js';
import { validateLocation } from '../src/validate.js';
import { MULTI_REGIONS } from '../src/facts.js';

const OFFERED = ['asia-northeast1', 'australia-southeast1', 'europe-west1', 'europe-west3', 'southamerica-east1', 'southamerica-west1', 'us', 'us-central1', 'us-east4', 'asia-south1'];

describe('the region for a time zone', () => {
  // Zone → the region suggested when the API offers OFFERED (undefined: no suggestion).
  it.each(Object.entries({
    // The examples.
    'America/Sao_Paulo': 'southamerica-east1', 'Europe/Berlin': 'europe-west3', 'America/New_York': 'us-east4', 'Asia/Tokyo': 'asia-northeast1',
    // The name Node's ICU reports for Asia/Kolkata; a small country's zone.
    'Asia/Calcutta': 'asia-south1', 'Europe/Luxembourg': 'europe-west1',
    // By area: zones the table does not name one by one.
    'America/Argentina/Salta': 'southamerica-west1', 'Australia/Darwin': 'australia-southeast1',
    // Unknown zones, areas without a default, UTC: none.
    'Mars/Olympus_Mons': undefined, 'Pacific/Tahiti': undefined, 'Europe/Simferopol': undefined, UTC: undefined, 'Etc/UTC': undefined,
    // The region is not in the API's list (named, by area): none.
    'Asia/Seoul': undefined, 'America/Indiana/Knox': undefined,
  }))('%s → %s', (tz, want) => {
    expect(regionForTimeZone(tz, OFFERED)).toBe(want);
  });

  it('no time zone known → none', () => {
    expect(regionForTimeZone(undefined, OFFERED)).toBeUndefined();
  });

  it('the table: each zone under one region, every zone one the runtime knows, every region a single region', () => {
    const zones = Object.values(ZONES_BY_REGION).flat();
    expect(new Set(zones).size).toBe(zones.length);
    for (const z of zones) expect(() => new Intl.DateTimeFormat('en', { timeZone: z }), z).not.toThrow();
    const regions = [...Object.keys(ZONES_BY_REGION), ...AREAS.map(([, r]) => r)];
    for (const r of regions) {
      expect(validateLocation(r), r).toBe(true);
      expect(MULTI_REGIONS, r).not.toContain(r);
    }
    for (const [prefix] of AREAS) expect(prefix).toMatch(/^[A-Z][A-Za-z_]*\/([A-Z][A-Za-z_]*\/)?$/);
  });
});
