#!/usr/bin/env node
// Starts the bundled, production build of the CLI (built by `npm run build`).
import('../dist/cli.js');
