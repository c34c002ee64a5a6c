// Pure validators for everything the user can type or pass as a flag.
// Each returns `true` when the value is valid, or a message that states the rule
// (the same shape @inquirer's `validate` takes, so prompts re-ask with the message).
// Values that reach a command line (image names, tags, references) are validated here first.

export type Validation = true | string;

const PROJECT_RULE =
  'A project ID has 6 to 30 characters: lowercase letters, digits and hyphens; it starts with a letter and does not end with a hyphen (for example mycoolproject-prod).';
const DOMAIN_RE = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/;

function show(v: string): string {
  return JSON.stringify(v.length > 60 ? v.slice(0, 60) + '…' : v);
}

/** Project ID rules; domain-scoped IDs (`example.com:proj`) are accepted. */
export function validateProjectId(v: string): Validation {
  if (typeof v !== 'string' || v.length === 0) return `A project ID is required. ${PROJECT_RULE}`;
  let id = v;
  const colon = v.indexOf(':');
  if (colon !== -1) {
    const domain = v.slice(0, colon);
    id = v.slice(colon + 1);
    if (!DOMAIN_RE.test(domain) || domain.length > 253) {
      return `${show(v)}: the part before ":" must be a domain name such as example.com. ${PROJECT_RULE}`;
    }
  }
  if (id.length < 6) return `${show(v)} is too short. ${PROJECT_RULE}`;
  if (id.length > 30) return `${show(v)} is too long. ${PROJECT_RULE}`;
  if (!/^[a-z]/.test(id)) return `${show(v)} does not start with a lowercase letter. ${PROJECT_RULE}`;
  if (id.endsWith('-')) return `${show(v)} ends with a hyphen. ${PROJECT_RULE}`;
  if (!/^[a-z][a-z0-9-]*$/.test(id)) return `${show(v)} has characters that are not allowed. ${PROJECT_RULE}`;
  return true;
}

const REPO_RULE =
  'A repository ID has at most 63 characters: lowercase letters, digits and hyphens; it starts with a letter and ends with a letter or digit (for example mycoolproject-repo).';

export function validateRepositoryId(v: string): Validation {
  if (typeof v !== 'string' || v.length === 0) return `A repository ID is required. ${REPO_RULE}`;
  if (v.length > 63) return `${show(v)} is too long. ${REPO_RULE}`;
  if (!/^[a-z]/.test(v)) return `${show(v)} does not start with a lowercase letter. ${REPO_RULE}`;
  if (!/^[a-z0-9-]+$/.test(v)) return `${show(v)} has characters that are not allowed (no underscores, dots or capitals). ${REPO_RULE}`;
  if (v.endsWith('-')) return `${show(v)} ends with a hyphen. ${REPO_RULE}`;
  return true;
}

const LOCATION_RULE =
  'A location is a region such as southamerica-east1 or us-central1, or a multi-region such as us, europe or asia.';
const LOCATION_RE = /^[a-z]+(-[a-z]+[0-9]+)?$/;
const ZONE_RE = /^([a-z]+-[a-z]+[0-9]+)-[a-z]$/;

/** Syntax only; whether the API offers it is checked against the API's list. */
export function validateLocation(v: string): Validation {
  if (typeof v !== 'string' || v.length === 0) return `A location is required. ${LOCATION_RULE}`;
  const region = zoneToRegion(v);
  if (region) return `${show(v)} is a zone; Artifact Registry uses regions: the region is ${region}.`;
  if (v.length > 40 || !LOCATION_RE.test(v)) return `${show(v)} is not a location name. ${LOCATION_RULE}`;
  return true;
}

/** `us-west1-c` → `us-west1`; anything that is not a zone → null. */
export function zoneToRegion(v: string): string | null {
  if (typeof v !== 'string') return null;
  const m = ZONE_RE.exec(v);
  return m ? m[1] : null;
}

function levenshtein(a: string, b: string): number {
  const prev = new Array(b.length + 1).fill(0).map((_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}

/** `eu` abbreviates `europe`: same first letter, and its letters appear in order. */
function isAbbreviation(short: string, long: string): boolean {
  if (short[0] !== long[0] || short.length >= long.length) return false;
  let j = 0;
  for (const ch of long) if (ch === short[j]) j++;
  return j === short.length;
}

/** The closest location in `list` to a misspelled one (e.g. eu-west3 → europe-west3), or null. */
export function closestLocation(v: string, list: readonly string[]): string | null {
  if (list.length === 0) return null;
  const input = v.toLowerCase();
  let best: string | null = null;
  let bestScore = Infinity;
  for (const cand of list) {
    let score = levenshtein(input, cand);
    // Abbreviations people type: eu-west3 for europe-west3, sa-east1 for southamerica-east1.
    const [ip, ...irest] = input.split('-');
    const [cp, ...crest] = cand.split('-');
    if (ip && cp && ip !== cp && isAbbreviation(ip, cp) && irest.length > 0 && irest.join('-') === crest.join('-')) score = Math.min(score, 0.5);
    if (score < bestScore) {
      bestScore = score;
      best = cand;
    }
  }
  return bestScore <= Math.max(3, Math.floor(input.length / 3)) ? best : null;
}

const IMAGE_RULE =
  'An image name is one or more path parts separated by "/"; each part uses lowercase letters and digits, optionally joined by single ".", "_" or "-" (for example app or backend/api), at most 128 characters.';
const IMAGE_PART_RE = /^[a-z0-9]+([._-][a-z0-9]+)*$/;

export function validateImageName(v: string): Validation {
  if (typeof v !== 'string' || v.length === 0) return `An image name is required. ${IMAGE_RULE}`;
  if (v.length > 128) return `${show(v)} is too long. ${IMAGE_RULE}`;
  if (v.split('/').some((p) => !IMAGE_PART_RE.test(p))) return `${show(v)} is not a valid image name. ${IMAGE_RULE}`;
  return true;
}

const TAG_RULE =
  'A tag has 1 to 128 characters: letters, digits, "_", "." and "-"; it does not start with "." or "-".';
const TAG_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

export function validateTag(v: string): Validation {
  if (typeof v !== 'string' || v.length === 0) return `A tag is required. ${TAG_RULE}`;
  if (!TAG_RE.test(v)) return `${show(v)} is not a valid tag. ${TAG_RULE}`;
  return true;
}

const REF_RULE =
  'A local image is a reference such as myapp:latest, myapp, registry.example.com/team/app:1.0, or an image ID.';
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*(?::[0-9]+)?)`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const REF_RE = new RegExp(`^${NAME}(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$`);
const ID_RE = /^(?:sha256:)?[a-f0-9]{12,64}$/;

/** A Docker image reference or image ID as `docker tag` accepts it (never starting with "-"). */
export function validateLocalImageRef(v: string): Validation {
  if (typeof v !== 'string' || v.length === 0) return `An image reference is required. ${REF_RULE}`;
  if (v.length > 512) return `${show(v)} is too long. ${REF_RULE}`;
  if (v.startsWith('-')) return `${show(v)} starts with "-". ${REF_RULE}`;
  if (ID_RE.test(v) || REF_RE.test(v)) return true;
  return `${show(v)} is not a valid image reference. ${REF_RULE}`;
}
