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
  external: ['@google-cloud/artifact-registry', 'google-gax', 'google-auth-library', 'react-devtools-core'],
  banner: {
    // Some CommonJS dependencies call require(); give the ESM bundle one.
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  logLevel: 'warning',
});
