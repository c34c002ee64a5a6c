// The one redactor: text we print or keep in an error (redact), and values we save (stripSecrets).

const R = '[redacted]';

/** Names of fields that hold a secret (in JSON text, key=value text and saved objects). */
const SECRET_KEY = /token|secret|password|passwd|credential|authorization|^auth$/i;

/** Replace anything that looks like a credential with [redacted]. */
export function redact(text: string): string {
  return (
    text
      // Google OAuth access tokens, wherever they stand.
      .replace(/ya29\.[A-Za-z0-9._-]+/g, R)
      .replace(/\b(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi, `$1${R}`)
      // As in the Authorization header only: Docker's "no basic auth credentials" is no secret.
      .replace(/\b(Basic\s+)[A-Za-z0-9._~+/=-]+/g, `$1${R}`)
      .replace(/("([^"]*)"\s*:\s*")[^"]*"/g, (m, head: string, key: string) => (SECRET_KEY.test(key) ? `${head}${R}"` : m))
      .replace(/\b([A-Za-z0-9_]+)=[^&\s]+/g, (m, key: string) => (SECRET_KEY.test(key) ? `${key}=${R}` : m))
  );
}

/** A deep copy without secrets: fields named like one are dropped, a string holding one becomes [redacted]. */
export function stripSecrets<T>(v: T): T {
  if (typeof v === 'string') return (redact(v) === v ? v : R) as T;
  if (Array.isArray(v)) return v.map((x) => stripSecrets(x)) as T;
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (SECRET_KEY.test(k)) continue;
      if (x === undefined || typeof x === 'function') continue;
      out[k] = stripSecrets(x);
    }
    return out as T;
  }
  return v;
}
