// What the bundle holds of other people's code, from esbuild's metafile: the notices file (each
// package's licence and notice texts, which the minified bundle no longer carries) and a CycloneDX
// SBOM (npm audit cannot see bundled packages). Used by scripts/build.mjs.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const LICENCE_FILE = /^(licen[cs]e|copying|notice)([.-].*)?$/i;
const CODE_FILE = /\.([cm]?js|[cm]?ts|json|map)$/i;

/** The folder of the package an input belongs to: after the last node_modules/, scoped or not. */
function packageDirOf(input) {
  return input.match(/^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//)?.[1];
}

function licenceOf(manifest) {
  const one = (l) => (typeof l === 'string' ? l : l?.type);
  if (manifest.license) return one(manifest.license);
  if (Array.isArray(manifest.licenses)) return manifest.licenses.map(one).filter(Boolean).join(' OR ') || undefined;
  return undefined;
}

// package.json's repository field as a web address: shorthands, git+ and ssh forms.
function urlOf(field) {
  const url = typeof field === 'string' ? field : field?.url;
  if (!url) return undefined;
  const host = { github: 'github.com', gitlab: 'gitlab.com', bitbucket: 'bitbucket.org' };
  return url
    .replace(/^(github|gitlab|bitbucket):/, (_, h) => `https://${host[h]}/`)
    .replace(/^[\w.-]+\/[\w.-]+$/, (s) => `https://github.com/${s}`)
    .replace(/^git@([^:]+):/, 'https://$1/')
    .replace(/^git\+/, '')
    .replace(/^(git|ssh):\/\/(git@)?/, 'https://')
    .replace(/\.git$/, '');
}

/**
 * The packages with code in the outputs, sorted by name and version, one per name@version.
 * An input with no bytes in any output was tree-shaken away: none of its code ships.
 * Inputs in a plugin namespace (the stubs) are ours; so are the project's own files.
 */
export function bundledPackages(metafile, cwd = process.cwd()) {
  const bytes = new Map(); // input path → bytes in the outputs
  for (const out of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(out.inputs)) {
      bytes.set(input, (bytes.get(input) ?? 0) + bytesInOutput);
    }
  }
  const byDir = new Map(); // package folder → its inputs with code in the outputs
  for (const [input, n] of bytes) {
    if (n === 0 || /^[\w-]+:/.test(input)) continue;
    const dir = packageDirOf(input);
    if (!dir) {
      // A file outside node_modules and outside the project could be anyone's: refuse to guess.
      if (input.startsWith('../') || input.startsWith('/')) throw new Error(`build: cannot tell which package ${input} comes from`);
      continue;
    }
    byDir.set(dir, [...(byDir.get(dir) ?? []), input]);
  }

  const byId = new Map();
  for (const dir of [...byDir.keys()].sort()) {
    const manifest = JSON.parse(readFileSync(join(cwd, dir, 'package.json'), 'utf8'));
    const id = `${manifest.name}@${manifest.version}`;
    if (byId.has(id)) continue; // the same version in two folders
    const files = readdirSync(join(cwd, dir))
      .filter((f) => LICENCE_FILE.test(f) && !CODE_FILE.test(f) && statSync(join(cwd, dir, f)).isFile())
      .sort()
      .map((f) => ({ file: f, text: readFileSync(join(cwd, dir, f), 'utf8').replace(/\r\n?/g, '\n').trim() }));
    // With no licence file, the copyright lines of its bundled files are the notice there is.
    const copyright = files.length
      ? []
      : [
          ...new Set(
            byDir
              .get(dir)
              .flatMap((f) => [...readFileSync(join(cwd, f), 'utf8').matchAll(/^[\s/*]*(Copyright\b.*?)\s*(\*\/)?$/gim)].map((m) => m[1])),
          ),
        ].sort();
    byId.set(id, {
      name: manifest.name,
      version: manifest.version,
      license: licenceOf(manifest),
      source: urlOf(manifest.repository) ?? manifest.homepage,
      files,
      copyright,
    });
  }
  return [...byId.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.version < b.version ? -1 : 1));
}

const RULE = '-'.repeat(79);

/** The notices file: the project's own licence first, then each package's texts. */
export function noticesText(self, packages) {
  const parts = [
    `Third-party software in ${self.name} ${self.version}\n\n` +
      `${self.name} is under the ${self.license} licence (see LICENSE). Its bundle (dist/) also holds code\n` +
      `from the ${packages.length} packages below. Their licences and notices follow.\n` +
      `dist/sbom.cdx.json lists the same packages as a CycloneDX SBOM.`,
  ];
  for (const p of packages) {
    const head = [`${p.name} ${p.version}`, `License: ${p.license ?? 'not stated'}`];
    if (p.source) head.push(`Source: ${p.source}`);
    const body = p.files.length
      ? p.files.map((f) => `--- ${f.file} ---\n\n${f.text}`).join('\n\n')
      : ['No licence file was found in the package; the licence above is from its package.json.', ...p.copyright].join('\n');
    parts.push(`${RULE}\n${head.join('\n')}\n\n${body}`);
  }
  return `${parts.join('\n\n')}\n`;
}

function purlOf(name, version) {
  return `pkg:npm/${name.replace(/^@/, '%40')}@${encodeURIComponent(version)}`;
}

// An SPDX expression, a single SPDX id, or anything else (kept as a name).
function cdxLicences(license) {
  if (!license) return undefined;
  if (/\s(OR|AND|WITH)\s|[()]/.test(license)) return [{ expression: license }];
  if (/^[A-Za-z0-9][\w.+-]*$/.test(license) && license !== 'UNLICENSED') return [{ license: { id: license } }];
  return [{ license: { name: license } }];
}

function component(type, name, version, license) {
  const purl = purlOf(name, version);
  const c = { type, 'bom-ref': purl, name, version, purl };
  const licenses = cdxLicences(license);
  if (licenses) c.licenses = licenses;
  return c;
}

/** A CycloneDX 1.5 SBOM of the bundled packages. No timestamp or serial number: same build, same bytes. */
export function sbom(self, packages) {
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    version: 1,
    metadata: { component: component('application', self.name, self.version, self.license) },
    components: packages.map((p) => component('library', p.name, p.version, p.license)),
  };
}
