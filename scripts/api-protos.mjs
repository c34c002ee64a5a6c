// The Artifact Registry client's protos, cut down to what the wizard uses (scripts/build.mjs).
//
// The client builds a protobuf.js Root of its whole protos.json when it is made (all of v1 and
// v1beta2, ~300 types): ~100 ms of CPU, most of it while gcloud's config-helper runs beside it.
// Kept: the service with only the methods the wizard calls; the types the client looks up by name
// (its long-running operations' results); google.longrunning (google-gax's operations client looks
// its service up in these protos) and google.rpc (error details); and every type those reach
// (fields, map values, the messages nested types live in). Option extensions are left out: the
// options themselves stay on the methods, already parsed. The result is checked by building a
// Root of it, which fails on any type a kept one names but the cut left out.
import { createRequire } from 'node:module';

const SERVICE = 'google.devtools.artifactregistry.v1.ArtifactRegistry';
const ALWAYS = ['google.longrunning', 'google.rpc'];

/** protobufjs, as the client's google-gax resolves it. */
export function protobufFor(clientPackageJson) {
  const gax = createRequire(clientPackageJson).resolve('google-gax/fallback');
  return createRequire(gax)('protobufjs');
}

const lowerCamel = (s) => s[0].toLowerCase() + s.slice(1);

/**
 * @param {object} json the client's protos.json
 * @param {{ methods: string[], lookups: string[], mixins: string[], protobuf: any }} o methods: the
 *   client methods called (lowerCamel, as `client.getRepository`); lookups: type names the client
 *   looks up; mixins: methods the client hands to other clients (with protos of their own).
 * @returns {{ json: object, kept: string[], methods: string[] }}
 */
export function cutProtos(json, { methods, lookups, mixins, protobuf }) {
  const root = protobuf.Root.fromJSON(json);
  const service = root.lookupService(SERVICE);
  const wanted = new Set(methods);
  const keptMethods = Object.keys(service.methods).filter((m) => wanted.has(lowerCamel(m)));
  const unknown = methods.filter((m) => !mixins.includes(m) && !keptMethods.some((k) => lowerCamel(k) === m));
  if (unknown.length) throw new Error(`api-protos: ${SERVICE} has no method ${unknown.join(', ')}`);

  const keep = new Set();
  const add = (obj) => {
    if (!obj || obj instanceof protobuf.Field || keep.has(obj.fullName)) return;
    keep.add(obj.fullName);
    // A message holding a nested type must be there whole; a plain namespace needs nothing.
    if (obj.parent instanceof protobuf.Type) add(obj.parent);
    if (obj instanceof protobuf.Type) {
      for (const f of obj.fieldsArray) {
        f.resolve();
        add(f.resolvedType);
      }
    }
    if (obj instanceof protobuf.Service) {
      for (const m of obj.methodsArray) {
        m.resolve();
        add(m.resolvedRequestType);
        add(m.resolvedResponseType);
      }
    }
  };
  for (const m of keptMethods) {
    const method = service.methods[m];
    method.resolve();
    add(method.resolvedRequestType);
    add(method.resolvedResponseType);
  }
  for (const name of lookups) {
    const t = root.lookup(name);
    if (!t) throw new Error(`api-protos: the client looks up ${name}, which its protos do not have`);
    add(t);
  }
  for (const ns of ALWAYS) {
    const n = root.lookup(ns);
    if (n) for (const t of n.nestedArray) add(t);
  }
  keep.add(`.${SERVICE}`);

  const cut = (node, prefix) => {
    const out = {};
    for (const [name, child] of Object.entries(node.nested ?? {})) {
      const full = `${prefix}.${name}`;
      const isNamespace = !child.fields && !child.methods && !child.values;
      if (full === `.${SERVICE}`) {
        out[name] = { ...child, methods: Object.fromEntries(keptMethods.map((m) => [m, child.methods[m]])) };
      } else if (keep.has(full)) {
        const c = { ...child };
        if (child.nested) {
          const n = cut(child, full);
          if (Object.keys(n).length) c.nested = n;
          else delete c.nested;
        }
        out[name] = c;
      } else if (isNamespace && !child.extend) {
        const n = cut(child, full);
        if (Object.keys(n).length) out[name] = { ...(child.options ? { options: child.options } : {}), nested: n };
      }
    }
    return out;
  };
  const result = { ...(json.options ? { options: json.options } : {}), nested: cut(json, '') };

  // Check: a Root of the cut resolves every type it names, and has what the client looks up.
  const check = protobuf.Root.fromJSON(result);
  const services = ALWAYS.flatMap((ns) => root.lookup(ns)?.nestedArray.filter((n) => n instanceof protobuf.Service) ?? []);
  for (const name of [...lookups, ...services.map((x) => x.fullName)]) if (!check.lookup(name)) throw new Error(`api-protos: the cut lost ${name}`);
  for (const x of services) for (const m of check.lookupService(x.fullName).methodsArray) m.resolve();
  for (const m of keptMethods) check.lookupService(SERVICE).methods[m].resolve();
  return { json: result, kept: [...keep].sort(), methods: keptMethods };
}

/** The type names a generated client looks up: `lookup('.a.b.C')`. */
export function lookupsIn(clientSource) {
  return [...new Set([...clientSource.matchAll(/\.lookup(?:Type)?\((["'])([.\w]+)\1\)/g)].map((m) => m[2]))];
}

/** The methods a generated client hands to its other clients: `this.locationsClient.listLocations(`. */
export function mixinsIn(clientSource) {
  return [...new Set([...clientSource.matchAll(/this\.\w+Client\.(\w+)\(/g)].map((m) => m[1].replace(/(Async|Stream)$/, "")))];
}

/**
 * The client methods a source file calls on `<x>.client`: `client.getRepository(`, and the
 * `…Async` / `…Stream` forms of list methods (as the method itself).
 */
export function methodsCalledIn(source) {
  const names = [...source.matchAll(/\bclient\.(\w+)\s*\(/g)].map((m) => m[1].replace(/(Async|Stream)$/, ''));
  return [...new Set(names)].filter((n) => !/^check\w+Progress$/.test(n) && n !== 'initialize' && n !== 'close');
}
