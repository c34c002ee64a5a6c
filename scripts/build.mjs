// Bundles the CLI into a production build: dist/cli.js (what bin/registry-setup.js starts) plus
// chunks in dist/chunks/ for what is imported lazily.
//
// - React runs in production mode (NODE_ENV is "production" at build time).
// - Code splitting: dist/cli.js (with a small chunk: flag parsing, chalk) holds only what the header
//   needs, written before anything else loads (src/app/boot.ts). Ink, React, the steps and the runner
//   are chunks src/cli.tsx imports right after it. The adapters (execa, conf, @inquirer prompts) are
//   in the chunk of src/app/env.ts, imported once Ink's first frame is drawn; Node parses that chunk
//   while the frame is on screen.
// - The Artifact Registry client (google-gax loads its protos from its own package folder at run
//   time) stays external, imported lazily in the background after the first frame.
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
import { build } from 'esbuild';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { bundledPackages, noticesText, sbom } from './third-party.mjs';

const arg = (name) => {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : undefined;
};
const OUT = arg('--outdir') ?? 'dist';
const metafileOut = arg('--metafile-out');
const showMeta = process.argv.includes('--metafile');

const result = await build({
  entryPoints: { cli: 'src/cli.tsx' },
  outdir: OUT,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  jsx: 'automatic',
  minify: true,
  sourcemap: 'linked',
  legalComments: 'none',
  metafile: true,
  define: { 'process.env.NODE_ENV': '"production"' },
  external: ['@google-cloud/artifact-registry', 'google-gax', 'google-auth-library'],
  plugins: [
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
      name: 'string-width-fast-path',
      setup(b) {
        // Ink (and cli-truncate, widest-line, slice-ansi) measure every line of every frame with
        // string-width; src/output/width.ts answers the same, fast for our lines. Only where the
        // import would get the top-level string-width (others keep their own version).
        const ours = resolve('src/output/width.ts');
        let top;
        b.onResolve({ filter: /^string-width$/ }, async (a) => {
          if (a.pluginData === 'string-width-fast-path' || a.importer === ours) return undefined;
          const r = await b.resolve(a.path, { kind: a.kind, importer: a.importer, resolveDir: a.resolveDir, pluginData: 'string-width-fast-path' });
          top ??= (await b.resolve('string-width', { kind: 'import-statement', importer: ours, resolveDir: dirname(ours), pluginData: 'string-width-fast-path' })).path;
          return r.path === top ? { path: ours } : r;
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
  ],
  banner: {
    // Some CommonJS dependencies call require(); give each ESM output file one.
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  logLevel: 'warning',
});

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
