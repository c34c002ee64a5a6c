// What the API adapter loads lazily: the v1 client and the auth library it hands the token to.
// The build makes this file a CommonJS bundle of its own (the client's libraries are CommonJS), so
// that src/adapters/codeCache.ts can load it with V8's code cache; run from source, it is imported.
import * as ar from '@google-cloud/artifact-registry/build/src/v1/index.js';
import * as auth from 'google-auth-library';

export { ar, auth };
