// Bundles the CLI into one production file: dist/cli.js.
// React runs in production mode; the Artifact Registry client (google-gax loads its
// protos from its own package folder at run time) stays external and is imported lazily.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/cli.tsx'],
  outfile: 'dist/cli.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  jsx: 'automatic',
  minify: true,
  sourcemap: 'linked',
  legalComments: 'none',
  define: { 'process.env.NODE_ENV': '"production"' },
  external: ['@google-cloud/artifact-registry', 'google-gax', 'google-auth-library'],
  // Ink imports react-devtools-core (a dev-only, uninstalled package) from a module it loads only
  // when DEV=true; as an external it would become a static import of the ESM bundle and fail at
  // start-up. Bundle a stub instead.
  plugins: [
    {
      name: 'stub-react-devtools',
      setup(b) {
        b.onResolve({ filter: /^react-devtools-core$/ }, () => ({ path: 'react-devtools-core', namespace: 'stub' }));
        b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({ contents: 'export default { initialize() {}, connectToDevTools() {} };', loader: 'js' }));
      },
    },
  ],
  banner: {
    // Some CommonJS dependencies call require(); give the ESM bundle one.
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  logLevel: 'warning',
});
