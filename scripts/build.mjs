// Bundles the CLI into a production build: dist/cli.js (what bin/registry-setup.js starts) plus
// chunks in dist/chunks/ for what is imported lazily.
//
// - React runs in production mode (NODE_ENV is "production" at build time).
// - Code splitting: dist/cli.js (with a small chunk: flag parsing, chalk) holds only what the header
//   needs, written before anything else loads (src/app/boot.ts). Ink, React, the steps and the runner
//   are chunks src/cli.tsx imports right after it. The adapters (execa, conf, @inquirer prompts) are
//   in the chunk of src/app/env.ts, imported once Ink's first frame is drawn; Node parses that chunk
//   while the frame is on screen.
// - The Artifact Registry client is bundled too (with google-auth-library), as a CommonJS bundle of
//   its own, dist/chunks/api-library-HASH.cjs, loaded in the background after the first frame with
//   V8's code cache (src/adapters/codeCache.ts), so the package has no dependencies to install. It runs in
//   REST mode, so google-gax is replaced by its REST-only part (no gRPC: less to load, and CPU
//   taken from gcloud meanwhile); the build fails if the client uses a name that part lacks.
// - The client's protos are cut to the methods src/adapters/artifactRegistry.ts calls and the types
//   they reach (scripts/api-protos.mjs): the client builds a protobuf Root of them when it is made,
//   while gcloud runs beside it; the build fails if the cut lacks what the client looks up.
// - JSON files over 10 KB (the API's protos) are bundled as JSON.parse of a string, which V8
//   parses much faster than the same data as an object literal.
// - Ink's devtools module (imported only when DEV=true) and react-devtools-core are stubbed: the dev
//   tools are not installed, and would drag `ws` into the bundle.
// - conf's JSON-schema validation (ajv, ajv-formats) and migrations (semver) are stubbed: our
//   progress store (src/adapters/progress.ts) uses neither (no schema, no migrations), and they are
//   ~170 KB of the adapters' chunk. Should one be used after all, the stub throws a clear error.
// - Ink's layout engine (yoga-layout) embeds its WebAssembly as base64 and decodes it with atob() and
//   a charCodeAt loop, ~10 ms of CPU before the first frame; the build swaps that one expression for
//   Node's native Buffer decoding (same bytes). If a yoga-layout update changes the code, the build
//   says so and leaves it as it is.
// - Licence comments are stripped from the bundle; instead the build writes, next to it,
//   THIRD-PARTY-NOTICES.txt (each bundled package's licence and notice files) and sbom.cdx.json
//   (a CycloneDX SBOM of the bundled packages, which npm audit cannot see), both from esbuild's
//   metafile (scripts/third-party.mjs).
// - `node scripts/build.mjs --metafile` prints each output file's size and its biggest inputs;
//   `--metafile-out FILE` writes esbuild's metafile to FILE (for esbuild's bundle analyzer, or to
//   check the SBOM against); `--outdir DIR` builds somewhere else than dist/ (the packaging test
//   builds into a temp folder).
import { build, transform } from 'esbuild';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { bundledPackages, noticesText, sbom } from './third-party.mjs';
import { lazyStringWidth } from './lazy-string-width.mjs';
import { cutProtos, lookupsIn, methodsCalledIn, mixinsIn, protobufFor } from './api-protos.mjs';

const arg = (name) => {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : undefined;
};
const OUT = arg('--outdir') ?? 'dist';
const metafileOut = arg('--metafile-out');
const showMeta = process.argv.includes('--metafile');

// google-gax as the Artifact Registry client uses it with `fallback: true` (REST): the exports of
// its fallback module (which never loads @grpc/grpc-js) plus the two names the generated client
// takes from the main entry, and `fallback` (the module the client picks in REST mode) as itself.
// Paths are those of the google-gax the client package itself resolves.
/** google-gax's fallback module, of the google-gax the Artifact Registry client resolves. */
const gaxFallback = () => createRequire(createRequire(import.meta.url).resolve('@google-cloud/artifact-registry/package.json')).resolve('google-gax/fallback');

function gaxRest() {
  const fallback = gaxFallback();
  const util = join(dirname(fallback), 'util.js');
  if (!existsSync(util)) throw new Error(`build: google-gax changed: no ${util} (see the gax-rest plugin in scripts/build.mjs)`);
  const logging = createRequire(fallback).resolve('google-logging-utils');
  const source = [
    `const fallback = require(${JSON.stringify(fallback)});`,
    `const gax = { ...fallback, decodeAnyProtosInArray: require(${JSON.stringify(util)}).decodeAnyProtosInArray, loggingUtils: require(${JSON.stringify(logging)}) };`,
    'gax.fallback = gax;',
    'module.exports = gax;',
  ].join('\n');
  // The same code, run here: what the bundle's module will hold.
  const module = { exports: {} };
  new Function('require', 'module', source)(createRequire(fallback), module);
  return { source, resolveDir: dirname(fallback), exports: module.exports };
}

/**
 * The names a file uses from google-gax: `x.name` where `x = require("google-gax")`, and where it
 * keeps `x.fallback` (the generated clients: `this._gaxModule = opts.fallback ? x.fallback : x`).
 * A require of google-gax the build cannot follow is an error: what it uses could not be checked.
 */
function gaxNamesUsedBy(file) {
  const src = readFileSync(file, 'utf8');
  const esc = (s) => s.replace(/[.$]/g, '\\$&');
  const requires = src.match(/require\((["'])google-gax\1\)/g) ?? [];
  const vars = [...src.matchAll(/([\w$]+)\s*=\s*require\((["'])google-gax\2\)/g)].map((m) => m[1]);
  if (vars.length !== requires.length) throw new Error(`build: cannot tell what ${file} uses of google-gax`);
  const holders = [...vars];
  for (const v of vars) {
    for (const m of src.matchAll(new RegExp(`(?<![\\w$])((?:this\\.)?[\\w$]+)\\s*=[^;=]*(?<![\\w$.])${esc(v)}\\.fallback\\b`, 'g'))) holders.push(m[1]);
  }
  const names = new Set();
  for (const h of new Set(holders)) {
    for (const m of src.matchAll(new RegExp(`(?<![\\w$.])${esc(h)}\\.([\\w$]+)`, 'g'))) names.add(m[1]);
  }
  return [...names].sort();
}

/** Plugins of both builds (the CLI's and the API library's). */
const plugins = [
  {
    // One google-auth-library in the bundle: the copy google-gax pins, for our OAuth2Client too
    // (gax handles the client we give it with its own copy; a second copy cost ~40 ms to load).
    name: 'one-google-auth-library',
    setup(b) {
      const src = resolve('src');
      let gaxDir;
      b.onResolve({ filter: /^google-auth-library$/ }, (a) => {
        if (!a.importer.startsWith(src) || a.pluginData === 'one-google-auth-library') return undefined;
        gaxDir ??= dirname(gaxFallback());
        return b.resolve('google-auth-library', { kind: a.kind, importer: join(gaxDir, 'fallback.js'), resolveDir: gaxDir, pluginData: 'one-google-auth-library' });
      });
    },
  },
  {
    // google-gax, for everything but the module that replaces it, is that module (see gaxRest()).
    name: 'gax-rest',
    setup(b) {
      let rest;
      b.onResolve({ filter: /^google-gax$/ }, (a) => {
        if (a.namespace === 'gax-rest') return undefined;
        rest ??= gaxRest();
        const missing = gaxNamesUsedBy(a.importer).filter((n) => rest.exports[n] === undefined);
        if (missing.length) {
          return { errors: [{ text: `the REST-only google-gax has no ${missing.join(', ')}, used by ${a.importer} (see the gax-rest plugin in scripts/build.mjs)` }] };
        }
        return { path: 'google-gax', namespace: 'gax-rest' };
      });
      b.onLoad({ filter: /.*/, namespace: 'gax-rest' }, () => ({ contents: rest.source, resolveDir: rest.resolveDir, loader: 'js' }));
    },
  },
  {
    // The API client's protos, cut to what src/adapters/artifactRegistry.ts calls (see
    // scripts/api-protos.mjs); then bundled as below.
    name: 'api-protos',
    setup(b) {
      const clientPkg = createRequire(import.meta.url).resolve('@google-cloud/artifact-registry/package.json');
      const protos = join(dirname(clientPkg), 'build', 'protos', 'protos.json');
      const client = join(dirname(clientPkg), 'build', 'src', 'v1', 'artifact_registry_client.js');
      const adapter = resolve('src/adapters/artifactRegistry.ts');
      b.onLoad({ filter: /[\\/]protos\.json$/, namespace: 'file' }, (a) => {
        if (a.path !== protos) return undefined;
        const clientSource = readFileSync(client, 'utf8');
        const cut = cutProtos(JSON.parse(readFileSync(protos, 'utf8')), {
          methods: methodsCalledIn(readFileSync(adapter, 'utf8')),
          lookups: lookupsIn(clientSource),
          mixins: mixinsIn(clientSource),
          protobuf: protobufFor(clientPkg),
        });
        return { contents: `module.exports = JSON.parse(${JSON.stringify(JSON.stringify(cut.json))});`, loader: 'js', watchFiles: [adapter, client] };
      });
    },
  },
  {
    // Big JSON files (see the header) as JSON.parse of a string; small ones stay object literals.
    name: 'json-parse',
    setup(b) {
      b.onLoad({ filter: /\.json$/, namespace: 'file' }, (a) => {
        const text = readFileSync(a.path, 'utf8');
        if (text.length < 10_000) return undefined;
        return { contents: `module.exports = JSON.parse(${JSON.stringify(JSON.stringify(JSON.parse(text)))});`, loader: 'js' };
      });
    },
  },
  {
    // Minifying renames classes, and two libraries under the API client read class names back:
    // proto3-json-serializer tells a Long (an int64 field of a request) by its constructor's name,
    // and node-fetch names its errors and headers after their classes (google-gax tells a cancelled
    // call by 'AbortError'). Their code keeps its names; keepNames for the whole bundle would cost
    // every chunk CPU at load.
    name: 'keep-names',
    setup(b) {
      const files = /[\\/]node_modules[\\/](long[\\/]umd[\\/]index\.js|node-fetch[\\/]src[\\/].*\.js)$/;
      const kept = new Set();
      b.onLoad({ filter: files }, async (a) => {
        kept.add(a.path.match(files)[1].split(/[\\/]/)[0]);
        const { code } = await transform(readFileSync(a.path, 'utf8'), { keepNames: true, loader: 'js', sourcefile: a.path });
        return { contents: code, loader: 'js' };
      });
      // A release that moves those files would otherwise lose the names without a word.
      b.onEnd((r) => {
        const inputs = Object.keys(r.metafile?.inputs ?? {});
        const lost = ['long', 'node-fetch'].filter((p) => !kept.has(p) && inputs.some((i) => i.includes(`node_modules/${p}/`)));
        return { errors: lost.map((p) => ({ text: `${p} is bundled, but not from the files whose names the keep-names plugin keeps (see scripts/build.mjs)` })) };
      });
    },
  },
  {
    name: 'yoga-native-base64',
    setup(b) {
      const slow = 'if(ua(a))try{var b=xa(a.slice(37)),c=new Uint8Array(b.length);for(a=0;a<b.length;++a)c[a]=b.charCodeAt(a);var d=c}';
      const fast = 'if(ua(a))try{var d=new Uint8Array(Buffer.from(a.slice(37),"base64"))}';
      b.onLoad({ filter: /[\\/]yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/ }, (a) => {
        const src = readFileSync(a.path, 'utf8');
        if (src.split(slow).length !== 2) {
          console.warn('build: yoga-layout changed; its wasm decoding is left as it is (see scripts/build.mjs)');
          return undefined;
        }
        return { contents: src.replace(slow, fast), loader: 'js' };
      });
    },
  },
  {
    name: 'string-width',
    setup(b) {
      // Only the top-level string-width (others, such as wrap-ansi's older copy, stay as they are):
      // - Ink (and cli-truncate, widest-line) measure every line of every frame with it; what would
      //   import it gets src/output/width.ts instead, the same answer, fast for our lines;
      // - itself, its segmenter and emoji regex are built on first use (scripts/lazy-string-width.mjs).
      const ours = resolve('src/output/width.ts');
      const mark = 'string-width';
      let top;
      const topPath = async () =>
        (top ??= (await b.resolve('string-width', { kind: 'import-statement', importer: ours, resolveDir: dirname(ours), pluginData: mark })).path);
      b.onResolve({ filter: /^string-width$/ }, async (a) => {
        if (a.pluginData === mark || a.importer === ours) return undefined;
        const r = await b.resolve(a.path, { kind: a.kind, importer: a.importer, resolveDir: a.resolveDir, pluginData: mark });
        return r.path === (await topPath()) ? { path: ours } : r;
      });
      b.onLoad({ filter: /[\\/]string-width[\\/]index\.js$/ }, async (a) => {
        if (a.path !== (await topPath())) return undefined;
        const lazy = lazyStringWidth(readFileSync(a.path, 'utf8'));
        if (!lazy) console.warn('build: string-width changed; it is bundled as it is (see scripts/lazy-string-width.mjs)');
        return lazy ? { contents: lazy, loader: 'js' } : undefined;
      });
    },
  },
  {
    name: 'stub-devtools',
    setup(b) {
      // Ink imports react-devtools-core (a dev-only, uninstalled package) from devtools.js, which it
      // loads only when DEV=true; as an external it would become a static import and fail at start-up.
      b.onResolve({ filter: /^react-devtools-core$/ }, () => ({ path: 'react-devtools-core', namespace: 'stub' }));
      b.onResolve({ filter: /^\.\/devtools\.js$/ }, (a) =>
        /[\\/]node_modules[\\/]ink[\\/]/.test(a.importer) ? { path: 'ink-devtools', namespace: 'stub' } : undefined,
      );
      b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
        contents: 'export default { initialize() {}, connectToDevTools() {} };',
        loader: 'js',
      }));
    },
  },
  {
    name: 'stub-conf-extras',
    setup(b) {
      const fromConf = (a) => /[\\/]node_modules[\\/]conf[\\/]/.test(a.importer);
      const fail = (what) =>
        `const fail = () => { throw new Error('registry-setup is built without conf ${what} (see scripts/build.mjs)'); };`;
      const stubs = {
        'ajv/dist/2020.js': `${fail('schema validation')} export class Ajv2020 { constructor() { fail(); } }`,
        'ajv-formats': `${fail('schema validation')} export default { default: fail };`,
        semver: `${fail('migrations')} export default new Proxy({}, { get: fail });`,
      };
      b.onResolve({ filter: /^(ajv\/dist\/2020\.js|ajv-formats|semver)$/ }, (a) =>
        fromConf(a) ? { path: a.path, namespace: 'conf-stub' } : undefined,
      );
      b.onLoad({ filter: /.*/, namespace: 'conf-stub' }, (a) => ({ contents: stubs[a.path], loader: 'js' }));
    },
  },
];

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  minify: true,
  sourcemap: 'linked',
  legalComments: 'none',
  metafile: true,
  define: { 'process.env.NODE_ENV': '"production"' },
  plugins,
  logLevel: 'warning',
};

// The API library (src/adapters/artifactRegistryLibrary.ts), a CommonJS bundle of its own that
// src/cli.tsx loads with V8's code cache (src/adapters/codeCache.ts): Node 20 caches no compiled
// code for modules, and the client's libraries are CommonJS anyway. Node's own modules are
// required as they are (also where a library imports one dynamically).
const api = await build({
  ...common,
  entryPoints: { 'api-library': 'src/adapters/artifactRegistryLibrary.ts' },
  entryNames: 'chunks/[name]-[hash]',
  outExtension: { '.js': '.cjs' },
  outdir: OUT,
  format: 'cjs',
  supported: { 'dynamic-import': false },
});
const apiFile = Object.keys(api.metafile.outputs).find((f) => f.endsWith('.cjs'));
// A CommonJS bundle has no import.meta (esbuild leaves it empty, with a warning): a library that
// starts using it would break at run time, so the build stops instead.
const metaWarnings = api.warnings.filter((w) => /import\.meta/.test(w.text));
if (metaWarnings.length) {
  throw new Error(`build: the API library uses import.meta, which its CommonJS bundle cannot give: ${metaWarnings.map((w) => `${w.location?.file ?? '?'}: ${w.text}`).join('; ')}`);
}

const cli = await build({
  ...common,
  entryPoints: { cli: 'src/cli.tsx' },
  outdir: OUT,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  format: 'esm',
  jsx: 'automatic',
  define: { ...common.define, __API_LIBRARY__: JSON.stringify(`./${relative(OUT, apiFile).split('\\').join('/')}`) },
  banner: {
    // Some CommonJS dependencies call require(); give each ESM output file one.
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
});
// The two builds as one, for the notices, the SBOM, the clean-up and --metafile.
const result = {
  metafile: {
    inputs: { ...api.metafile.inputs, ...cli.metafile.inputs },
    outputs: { ...api.metafile.outputs, ...cli.metafile.outputs },
  },
};

const self = JSON.parse(readFileSync('package.json', 'utf8'));
const packages = bundledPackages(result.metafile);
const extras = {
  'THIRD-PARTY-NOTICES.txt': noticesText(self, packages),
  'sbom.cdx.json': `${JSON.stringify(sbom(self, packages), null, 2)}\n`,
};
for (const [f, text] of Object.entries(extras)) writeFileSync(join(OUT, f), text);

// Remove chunks of earlier builds (chunk names carry a content hash). The new files are already
// written, so a run that starts meanwhile finds everything it imports.
const outputs = new Set([...Object.keys(result.metafile.outputs).map((f) => relative(OUT, f)), ...Object.keys(extras)]);
const walk = (dir) =>
  readdirSync(join(OUT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  );
for (const f of walk('')) {
  if (!outputs.has(f)) rmSync(join(OUT, f), { force: true });
}

if (metafileOut) writeFileSync(metafileOut, JSON.stringify(result.metafile));

if (showMeta) {
  for (const [file, out] of Object.entries(result.metafile.outputs)) {
    if (file.endsWith('.map')) continue;
    const byPkg = {};
    for (const [input, v] of Object.entries(out.inputs)) {
      const m = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
      const key = m ? m[1] : input.split('/').slice(0, 2).join('/');
      byPkg[key] = (byPkg[key] ?? 0) + v.bytesInOutput;
    }
    const top = Object.entries(byPkg)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12)
      .map(([k, v]) => `${k} ${(v / 1024).toFixed(0)}K`);
    console.log(`${file} ${(out.bytes / 1024).toFixed(0)} KB${top.length > 1 ? `: ${top.join(', ')}` : ''}`);
  }
}
