// Preload for svg-term (node -r): svg-term renders with its own copy of React 16, but one of its
// dependencies (@stiligita/react) sits at the top of node_modules, where `react` is this project's
// React 19; an element made by one React cannot be rendered by the other ("Unknown element-like
// object type"). This points that package's `react` at svg-term's copy.
const Module = require('node:module');
const path = require('node:path');

const svgTerm = path.dirname(require.resolve('svg-term/package.json'));
const react16 = require.resolve('react', { paths: [svgTerm] });
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  if (request === 'react' && parent && parent.filename && parent.filename.includes(`${path.sep}@stiligita${path.sep}`)) return react16;
  return resolve.call(this, request, parent, ...rest);
};
