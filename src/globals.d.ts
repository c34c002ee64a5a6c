/** Set by the build (scripts/build.mjs): the API library's bundle, relative to dist/cli.js. Run from source: undefined. */
declare const __API_LIBRARY__: string | undefined;
