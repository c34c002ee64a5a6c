// The gcloud adapter's JSON reads through the real gcloud, against the lab's emulator on a random
// port: gcloud's own answers (config-helper, config list, projects list) count as whole before its
// process ends, so the runner takes them then (adapters/early.ts), and they read as before.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCollecting, wholeJson } from '../../src/adapters/early.js';
import { createRunner } from '../../src/adapters/exec.js';
import { createGcloud } from '../../src/adapters/gcloud.js';
import { MemoryImageCatalog, startEmulator, type Emulator } from './emulator/server.js';
import { gcloudConfig, GCLOUD, type GcloudConfig } from './emulator/testkit.js';

let emu: Emulator;
let g: GcloudConfig;

beforeAll(async () => {
  emu = await startEmulator({ port: 0, images: new MemoryImageCatalog() });
  emu.setWorld({ token: 'lab-token', projects: [{ projectId: 'demo', name: 'Demo' }] });
  g = await gcloudConfig();
});
afterAll(async () => {
  await g?.cleanup();
  await emu?.close();
});

describe("the real gcloud's JSON answers are taken when whole", () => {
  it.each([
    { case: 'config config-helper', args: ['config', 'config-helper', '--format=json'] },
    { case: 'config list', args: ['config', 'list', '--format=json'] },
    { case: 'projects list', args: ['projects', 'list', '--format=json'] },
  ])('$case: whole before gcloud ends', async ({ args }) => {
    // The answer always reaches us before the process's end does: `answered` is set only if the
    // output was recognised as whole, never by timing.
    const r = await spawnCollecting(GCLOUD, args, await g.env(emu.url), wholeJson).result;
    expect(r.stderr).not.toMatch(/ERROR/);
    expect(r.answered).toBe(true);
    expect(r.exitCode).toBeNull();
  });

  it('the adapter reads them as before: config, token and projects', async () => {
    const env = await g.env(emu.url);
    const gcloud = createGcloud({ run: createRunner(env), env });
    const [config, token, projects] = await Promise.all([gcloud.config(), gcloud.accessToken(), gcloud.listProjects()]);
    expect(config).toMatchObject({ account: 'lab@example.com', project: 'demo', artifactRegistryEndpoint: emu.url });
    expect(token).toBe('lab-token');
    expect(projects).toEqual([expect.objectContaining({ projectId: 'demo', name: 'Demo' })]);
  });
});
