// A region to suggest from the machine's time zone (an IANA name such as Europe/Berlin): the zone
// names a city, so it says roughly where the newcomer, and likely their users, are.
//
// Each zone maps to the region nearest its city; a zone that spans a whole country or more maps
// to that area's main region instead (America/Chicago → Iowa, America/Los_Angeles → Oregon,
// Europe/Berlin → Frankfurt). Zones in Europe stay with European regions. Some zones appear under
// two names: the IANA one and the older one Node's ICU reports (Asia/Kolkata, Asia/Calcutta).
// UTC and zones the table does not know give no suggestion: better none than a wrong one.

/** Region → the zones whose nearest region it is. */
export const ZONES_BY_REGION: Readonly<Record<string, readonly string[]>> = {
  'africa-south1': [
    'Africa/Johannesburg', 'Africa/Maputo', 'Africa/Harare', 'Africa/Lusaka', 'Africa/Gaborone', 'Africa/Windhoek',
    'Africa/Maseru', 'Africa/Mbabane', 'Africa/Blantyre', 'Africa/Lubumbashi', 'Africa/Luanda', 'Africa/Kinshasa',
    'Africa/Nairobi', 'Africa/Dar_es_Salaam', 'Africa/Kampala', 'Indian/Antananarivo', 'Indian/Mauritius', 'Indian/Reunion',
  ],
  'asia-east1': ['Asia/Taipei', 'Asia/Shanghai', 'Asia/Manila'],
  'asia-east2': ['Asia/Hong_Kong', 'Asia/Macau'],
  'asia-northeast1': ['Asia/Tokyo', 'Pacific/Guam'],
  'asia-northeast3': ['Asia/Seoul'],
  'asia-south1': ['Asia/Kolkata', 'Asia/Calcutta', 'Asia/Karachi', 'Asia/Colombo', 'Indian/Maldives'],
  'asia-south2': ['Asia/Kathmandu', 'Asia/Katmandu', 'Asia/Dhaka', 'Asia/Thimphu'],
  'asia-southeast1': [
    'Asia/Singapore', 'Asia/Kuala_Lumpur', 'Asia/Kuching', 'Asia/Brunei', 'Asia/Bangkok', 'Asia/Phnom_Penh',
    'Asia/Ho_Chi_Minh', 'Asia/Saigon', 'Asia/Yangon', 'Asia/Rangoon',
  ],
  'asia-southeast2': ['Asia/Jakarta', 'Asia/Makassar'],
  'australia-southeast1': ['Australia/Sydney', 'Australia/Brisbane', 'Australia/Lord_Howe', 'Pacific/Auckland', 'Pacific/Noumea', 'Pacific/Fiji'],
  'australia-southeast2': ['Australia/Melbourne', 'Australia/Hobart', 'Australia/Adelaide', 'Australia/Perth'],
  'europe-central2': [
    'Europe/Warsaw', 'Europe/Vilnius', 'Europe/Minsk', 'Europe/Kyiv', 'Europe/Kiev', 'Europe/Chisinau', 'Europe/Budapest',
    'Europe/Vienna', 'Europe/Bratislava', 'Europe/Bucharest', 'Europe/Sofia', 'Europe/Belgrade', 'Europe/Istanbul',
    'Europe/Kaliningrad', 'Europe/Uzhgorod', 'Europe/Zaporozhye',
  ],
  'europe-north1': [
    'Europe/Helsinki', 'Europe/Mariehamn', 'Europe/Tallinn', 'Europe/Riga', 'Europe/Stockholm', 'Europe/Moscow',
    'Europe/Kirov', 'Europe/Volgograd', 'Europe/Saratov', 'Europe/Samara', 'Europe/Ulyanovsk', 'Europe/Astrakhan',
  ],
  'europe-southwest1': [
    'Europe/Madrid', 'Europe/Lisbon', 'Europe/Gibraltar', 'Europe/Andorra', 'Atlantic/Canary', 'Atlantic/Madeira',
    'Africa/Ceuta', 'Africa/Casablanca', 'Africa/Algiers', 'Africa/Dakar', 'Africa/Abidjan', 'Africa/Accra', 'Africa/Lagos',
  ],
  'europe-west1': ['Europe/Brussels', 'Europe/Luxembourg'],
  'europe-west2': ['Europe/London', 'Europe/Dublin', 'Europe/Guernsey', 'Europe/Jersey', 'Europe/Isle_of_Man', 'Atlantic/Reykjavik'],
  'europe-west3': ['Europe/Berlin', 'Europe/Prague'],
  'europe-west4': ['Europe/Amsterdam', 'Europe/Copenhagen', 'Europe/Oslo'],
  'europe-west6': ['Europe/Zurich', 'Europe/Vaduz', 'Europe/Busingen'],
  'europe-west8': [
    'Europe/Rome', 'Europe/Vatican', 'Europe/San_Marino', 'Europe/Monaco', 'Europe/Malta', 'Europe/Ljubljana', 'Europe/Zagreb',
    'Europe/Sarajevo', 'Europe/Podgorica', 'Europe/Skopje', 'Europe/Tirane', 'Europe/Athens', 'Africa/Tunis',
  ],
  'europe-west9': ['Europe/Paris'],
  'me-central1': ['Asia/Qatar', 'Asia/Dubai', 'Asia/Muscat'],
  'me-central2': ['Asia/Riyadh', 'Asia/Bahrain', 'Asia/Kuwait'],
  'me-west1': ['Asia/Jerusalem', 'Asia/Amman', 'Asia/Beirut', 'Africa/Cairo'],
  'northamerica-northeast1': ['America/Halifax', 'America/Moncton', 'America/Glace_Bay', 'America/St_Johns'],
  'northamerica-northeast2': ['America/Toronto'],
  'northamerica-south1': [
    'America/Mexico_City', 'America/Monterrey', 'America/Matamoros', 'America/Merida', 'America/Cancun', 'America/Bahia_Banderas',
    'America/Belize', 'America/Guatemala', 'America/El_Salvador', 'America/Tegucigalpa', 'America/Managua', 'America/Costa_Rica',
    'America/Panama',
  ],
  'southamerica-east1': [
    'America/Sao_Paulo', 'America/Bahia', 'America/Fortaleza', 'America/Recife', 'America/Maceio', 'America/Belem',
    'America/Araguaina', 'America/Santarem', 'America/Manaus', 'America/Cuiaba', 'America/Campo_Grande', 'America/Porto_Velho',
    'America/Boa_Vista', 'America/Rio_Branco', 'America/Noronha', 'America/Asuncion',
  ],
  'southamerica-west1': [
    'America/Santiago', 'America/Punta_Arenas', 'America/Argentina/Buenos_Aires', 'America/Buenos_Aires',
    'America/Argentina/Cordoba', 'America/Cordoba', 'America/Mendoza', 'America/Montevideo', 'America/La_Paz', 'America/Lima',
  ],
  'us-central1': ['America/Chicago', 'America/Menominee', 'America/Winnipeg'],
  'us-east1': [
    'America/Bogota', 'America/Caracas', 'America/Havana', 'America/Nassau', 'America/Jamaica', 'America/Port-au-Prince',
    'America/Santo_Domingo', 'America/Puerto_Rico',
  ],
  'us-east4': ['America/New_York'],
  'us-east5': ['America/Detroit', 'America/Indianapolis', 'America/Louisville'],
  'us-west1': ['America/Los_Angeles', 'America/Vancouver', 'America/Edmonton', 'America/Anchorage', 'America/Juneau', 'America/Sitka'],
  'us-west2': ['America/Tijuana', 'Pacific/Honolulu'],
  'us-west3': ['America/Denver', 'America/Boise'],
  'us-west4': ['America/Phoenix'],
};

/** Areas whose zones the table above does not name one by one: prefix → region. */
export const AREAS: readonly (readonly [prefix: string, region: string])[] = [
  ['America/Argentina/', 'southamerica-west1'],
  ['America/Indiana/', 'us-east5'],
  ['America/Kentucky/', 'us-east5'],
  ['America/North_Dakota/', 'us-central1'],
  ['Australia/', 'australia-southeast1'],
];

const REGION_BY_ZONE: ReadonlyMap<string, string> = new Map(
  Object.entries(ZONES_BY_REGION).flatMap(([region, zones]) => zones.map((zone) => [zone, region] as const)),
);

/** The region the table gives a zone (by exact name, then by area), or undefined. */
function nearestRegion(timeZone: string): string | undefined {
  return REGION_BY_ZONE.get(timeZone) ?? AREAS.find(([prefix]) => timeZone.startsWith(prefix))?.[1];
}

/** The region to suggest for the machine's time zone, only when `offered` (the API's list) has it. */
export function regionForTimeZone(timeZone: string | undefined, offered: readonly string[]): string | undefined {
  const region = timeZone ? nearestRegion(timeZone) : undefined;
  return region && offered.includes(region) ? region : undefined;
}
