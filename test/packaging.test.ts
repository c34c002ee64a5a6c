// The package as a user gets it: build the bundle, `npm pack`, install the tarball (production
// dependencies only, from the npm registry as npx does) into a temp project, then run the installed
// `registry-setup` bin. Proves the bin starts the bundle (dist/cli.js), that --version and --help
// work from the tarball, that the bundle needs none of the libraries it inlines (the API client
// included: its chunks talk REST to a local server with nothing installed next to them), and that
// the tarball carries the licence plus notices and an SBOM that cover exactly what esbuild bundled.
// The build goes to a temp folder (not the shared dist/), packed from a copy of the package's files.
import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cp, mkdir, mkdtemp, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USAGE } from '../src/args.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..');
const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  bin: Record<string, string>;
  files: string[];
  dependencies?: Record<string, string>;
};

let work: string;
let metafile: {
  inputs: Record<string, unknown>;
  outputs: Record<string, { entryPoint?: string; inputs: Record<string, { bytesInOutput: number }> }>;
};
let packed: { filename: string; files: Array<{ path: string }> };
let installedPkg: string; // <prefix>/node_modules/registry-setup
let bin: string; // <prefix>/node_modules/.bin/registry-setup

/** Runs the installed bin (no TTY: plain output) in a clean folder with its own config home. */
function cli(args: string[], extraNodeArgs: string[] = []) {
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_CONFIG_HOME: join(work, 'xdg'), CI: undefined };
  for (const k of Object.keys(env)) if (/^(CLOUDSDK_|DOCKER_|NODE_OPTIONS$)/.test(k)) delete env[k];
  const file = extraNodeArgs.length ? process.execPath : bin;
  const argv = extraNodeArgs.length ? [...extraNodeArgs, bin, ...args] : args;
  return run(file, argv, { cwd: join(work, 'app'), env, timeout: 30_000 });
}

beforeAll(async () => {
  work = await realpath(await mkdtemp(join(tmpdir(), 'rs-packaging-')));
  const stage = join(work, 'stage');
  await mkdir(stage, { recursive: true });
  // The package's files, with a fresh build in it.
  const metaFile = join(work, 'meta.json');
  await run(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--outdir', join(stage, 'dist'), '--metafile-out', metaFile], {
    cwd: ROOT,
    timeout: 60_000,
  });
  metafile = JSON.parse(await readFile(metaFile, 'utf8')) as typeof metafile;
  await cp(join(ROOT, 'package.json'), join(stage, 'package.json'));
  await cp(join(ROOT, 'bin'), join(stage, 'bin'), { recursive: true });
  for (const f of ['README.md', 'LICENSE', '.npmignore']) if (existsSync(join(ROOT, f))) await cp(join(ROOT, f), join(stage, f));

  const out = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: stage, timeout: 60_000 });
  packed = (JSON.parse(out.stdout) as (typeof packed)[])[0];

  const prefix = join(work, 'prefix');
  await mkdir(prefix, { recursive: true });
  await writeFile(join(prefix, 'package.json'), '{ "name": "packaging-test", "private": true }\n');
  await run('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--ignore-scripts', join(work, packed.filename)], {
    cwd: prefix,
    timeout: 90_000,
  });
  installedPkg = join(prefix, 'node_modules', pkg.name);
  bin = join(prefix, 'node_modules', '.bin', Object.keys(pkg.bin)[0]);
  await mkdir(join(work, 'app'), { recursive: true });
}, 150_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('holds the bin and the bundle, and no sources, tests or source maps', () => {
    const paths = packed.files.map((f) => f.path).sort();
    expect(paths).toContain('package.json');
    expect(paths).toContain(pkg.bin['registry-setup']);
    expect(paths).toContain('dist/cli.js');
    expect(paths.some((p) => /^dist\/chunks\/env-[\w-]+\.js$/.test(p))).toBe(true);
    expect(paths.some((p) => /^dist\/chunks\/api-library-[\w-]+\.cjs$/.test(p))).toBe(true);
    expect(paths.filter((p) => /^(src|test|scripts)\/|\.map$|\.tsx?$|^\.lab/.test(p))).toEqual([]);
  });

  it('installs no dependencies: the bundle holds all of them, the API client included', async () => {
    const installed = JSON.parse(await readFile(join(installedPkg, 'package.json'), 'utf8')) as typeof pkg;
    expect(installed.dependencies ?? {}).toEqual({});
    // Nothing is installed next to the package (ink, react, @google-cloud/artifact-registry,
    // google-gax, @grpc/grpc-js...): the bundle must run without it.
    const top = await readdir(join(installedPkg, '..'));
    expect(top.filter((f) => !f.startsWith('.'))).toEqual([pkg.name]);
  });

  it('bundles the API client without gRPC (it runs over REST)', () => {
    const inputs = Object.keys(metafile.inputs);
    expect(inputs.filter((i) => /node_modules\/@grpc\//.test(i))).toEqual([]);
    expect(bundledDirs().some((d) => d.endsWith('node_modules/@google-cloud/artifact-registry'))).toBe(true);
    expect(bundledDirs().some((d) => d.endsWith('node_modules/google-gax'))).toBe(true);
  });
});

/** The package folders (relative to the repository) whose code esbuild put in an output file. */
function bundledDirs(): string[] {
  const dirs = new Set<string>();
  for (const out of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(out.inputs)) {
      const dir = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1];
      if (dir && bytesInOutput > 0) dirs.add(dir);
    }
  }
  return [...dirs].sort();
}

async function manifestOf(dir: string) {
  return JSON.parse(await readFile(join(ROOT, dir, 'package.json'), 'utf8')) as { name: string; version: string };
}

describe('the licence, the notices and the SBOM in the tarball', () => {
  type Component = { type: string; name: string; version: string; purl: string; licenses?: unknown[] };

  it('holds LICENSE (MIT), dist/THIRD-PARTY-NOTICES.txt and dist/sbom.cdx.json', async () => {
    const paths = packed.files.map((f) => f.path);
    for (const f of ['LICENSE', 'dist/THIRD-PARTY-NOTICES.txt', 'dist/sbom.cdx.json']) expect(paths).toContain(f);
    const licence = await readFile(join(installedPkg, 'LICENSE'), 'utf8');
    expect(licence).toMatch(/^MIT License\n\nCopyright \(c\) 2026 registry-setup contributors\n/);
  });

  it('lists every package whose code is in the bundle, at the version of its package.json, and nothing else', async () => {
    const bom = JSON.parse(await readFile(join(installedPkg, 'dist', 'sbom.cdx.json'), 'utf8')) as {
      bomFormat: string;
      specVersion: string;
      metadata: { component: Component };
      components: Component[];
    };
    expect([bom.bomFormat, bom.specVersion]).toEqual(['CycloneDX', '1.5']);
    expect(bom.metadata.component).toMatchObject({ name: pkg.name, version: pkg.version });

    const expected = new Set<string>();
    for (const dir of bundledDirs()) {
      const m = await manifestOf(dir);
      expected.add(`${m.name}@${m.version}`);
    }
    const listed = bom.components.map((c) => `${c.name}@${c.version}`);
    expect(listed).toEqual([...new Set(listed)]);
    expect([...listed].sort()).toEqual([...expected].sort());
    // Guards against both sides being empty or wrong the same way.
    for (const name of ['ink', 'react', 'execa', 'conf', '@inquirer/core', '@google-cloud/artifact-registry', 'google-gax', 'google-auth-library']) {
      expect(bom.components.map((c) => c.name)).toContain(name);
    }
    expect(bom.components.map((c) => c.name)).not.toContain('@grpc/grpc-js');
    for (const c of bom.components) {
      expect(c.type).toBe('library');
      expect(c.purl).toBe(`pkg:npm/${c.name.replace(/^@/, '%40')}@${c.version}`);
      expect(c.licenses?.length).toBeGreaterThan(0);
    }
  });

  it('names every bundled package in the notices, with its licence and notice files', async () => {
    const notices = await readFile(join(installedPkg, 'dist', 'THIRD-PARTY-NOTICES.txt'), 'utf8');
    const sections = notices.split(/^-{79}\n/m).slice(1);
    for (const dir of bundledDirs()) {
      const m = await manifestOf(dir);
      const section = sections.find((s) => s.startsWith(`${m.name} ${m.version}\n`));
      expect(section, `${m.name} ${m.version}`).toBeDefined();
      const files = (await readdir(join(ROOT, dir))).filter((f) => /^(licen[cs]e|copying|notice)([.-].*)?$/i.test(f));
      if (files.length === 0) expect(section).toContain('No licence file was found in the package');
      for (const f of files) {
        const text = (await readFile(join(ROOT, dir, f), 'utf8')).replace(/\r\n?/g, '\n').trim();
        expect(section, `${dir}/${f}`).toContain(text);
      }
    }
  });
});

describe('the installed bin', () => {
  it('--version prints the package version', async () => {
    const { stdout } = await cli(['--version']);
    expect(stdout).toBe(`${pkg.version}\n`);
  });

  it('--help prints the usage', async () => {
    const { stdout } = await cli(['--help']);
    expect(stdout).toBe(`${USAGE}\n`);
  });

  it('starts the bundle: dist/cli.js of the installed package is the module it loads', async () => {
    // A module-resolution hook (in this test only) records every file URL node loads.
    const hooks = join(work, 'hooks');
    await mkdir(hooks, { recursive: true });
    const logFile = join(hooks, 'loaded.log');
    await writeFile(
      join(hooks, 'hooks.mjs'),
      `import { appendFileSync } from 'node:fs';\n` +
        `export async function resolve(specifier, context, next) {\n` +
        `  const r = await next(specifier, context);\n` +
        `  if (r.url.startsWith('file:')) appendFileSync(${JSON.stringify(logFile)}, r.url + '\\n');\n` +
        `  return r;\n}\n`,
    );
    await writeFile(join(hooks, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(hooks, 'hooks.mjs')).href)});\n`);
    const { stdout } = await cli(['--version'], ['--import', pathToFileURL(join(hooks, 'register.mjs')).href]);
    expect(stdout).toBe(`${pkg.version}\n`);
    const loaded = (await readFile(logFile, 'utf8')).split('\n').filter(Boolean);
    expect(loaded).toContain(pathToFileURL(join(installedPkg, 'dist', 'cli.js')).href);
    expect(loaded.filter((u) => !u.startsWith(pathToFileURL(installedPkg).href))).toEqual([]);
  });

  it('runs the adapters chunk from the tarball (a dry run builds the real env, changes nothing)', async () => {
    const { stdout } = await cli(['--dry-run', '--yes', '--project', 'mycoolproject-prod', '--region', 'southamerica-east1']);
    expect(stdout).toMatch(/Dry run: nothing will be changed/);
    expect(stdout).toMatch(/gcloud artifacts repositories create/);
  });
});

describe('the installed API client', () => {
  /** The installed file of the API library's bundle (a build of its own: src/adapters/codeCache.ts loads it). */
  function libraryFile(): string {
    const outs = Object.entries(metafile.outputs).filter(([, o]) => o.entryPoint?.endsWith('src/adapters/artifactRegistryLibrary.ts'));
    expect(outs.map(([f]) => f)).toHaveLength(1);
    return join(installedPkg, 'dist', 'chunks', outs[0][0].split('/').pop()!);
  }

  it('loads from the tarball alone and talks REST to the endpoint, token and int64 fields included', async () => {
    const requests: Array<{ method?: string; url?: string; authorization?: string; body: string }> = [];
    const server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        requests.push({ method: req.method, url: req.url, authorization: req.headers.authorization, body });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify(
            req.method === 'GET'
              ? { name: 'projects/p/locations/l/repositories/r', format: 'DOCKER', sizeBytes: '123' }
              : { name: 'projects/p/locations/l/operations/op1', done: false },
          ),
        );
      });
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    try {
      // The client as src/adapters/artifactRegistry.ts makes it (REST, our auth client), run by node
      // from a folder with nothing installed.
      const script = join(work, 'api-client.mjs');
      await writeFile(
        script,
        `import { createRequire } from 'node:module';\n` +
          `const [file, port] = process.argv.slice(2);\n` +
          `const pick = (m, name) => (m.default?.[name] ? m.default : m);\n` +
          `const lib = createRequire(import.meta.url)(file);\n` +
          `const ar = pick(lib.ar, 'ArtifactRegistryClient');\n` +
          `const auth = pick(lib.auth, 'OAuth2Client');\n` +
          `const oauth = new auth.OAuth2Client();\n` +
          `oauth.setCredentials({ access_token: 'the-token' });\n` +
          `const client = new ar.ArtifactRegistryClient({ fallback: true, apiEndpoint: '127.0.0.1', port: Number(port), protocol: 'http', authClient: oauth });\n` +
          `const [repo] = await client.getRepository({ name: 'projects/p/locations/l/repositories/r' });\n` +
          `const [op] = await client.createRepository({ parent: 'projects/p/locations/l', repositoryId: 'r', repository: { format: 'DOCKER', sizeBytes: 5 } });\n` +
          `console.log(JSON.stringify({ name: repo.name, format: repo.format, sizeBytes: String(repo.sizeBytes), op: op.name }));\n`,
      );
      const { port } = server.address() as AddressInfo;
      const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: work };
      const { stdout } = await run(process.execPath, [script, libraryFile(), String(port)], { cwd: join(work, 'app'), env, timeout: 30_000 });
      expect(JSON.parse(stdout)).toEqual({ name: 'projects/p/locations/l/repositories/r', format: 'DOCKER', sizeBytes: '123', op: 'projects/p/locations/l/operations/op1' });
      expect(requests.map((r) => `${r.method} ${r.url?.split('?')[0]} ${r.authorization}`)).toEqual([
        'GET /v1/projects/p/locations/l/repositories/r Bearer the-token',
        'POST /v1/projects/p/locations/l/repositories Bearer the-token',
      ]);
      // Enums go as numbers (DOCKER is 1); an int64 field as a string (the serializer recognises the
      // bundled Long by its class name).
      expect(JSON.parse(requests[1].body)).toMatchObject({ format: 1, sizeBytes: '5' });
    } finally {
      server.close();
    }
  });
});
