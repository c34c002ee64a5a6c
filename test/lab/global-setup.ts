// vitest globalSetup for the `lab` project: brings the lab up unless it already is, holds a
// lease on it for this run, and hands its LabInfo to the test files (`inject('lab')`; then
// `connectLab(info.dir)` from test/lab/lab.ts). Afterwards it gives the lease back; the lab
// is stopped when no other test run still holds one, unless a person started it with
// `npm run lab -- up` or LAB_KEEP=1 is set.
//
// Without root or without the system packages it fails at once with a message that says
// what is missing (see labPrerequisites()).

import type { TestProject } from 'vitest/node';
import { labAcquire, labRelease, type Lab, type LabInfo } from './lab.js';

declare module 'vitest' {
  export interface ProvidedContext {
    lab: LabInfo;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const t0 = Date.now();
  let lab: Lab;
  try {
    lab = await labAcquire({ log: (l) => process.env.LAB_VERBOSE && console.log(`lab: ${l}`) });
  } catch (e) {
    throw new Error(`The lab tests need the lab (real dockerd, docker-registry, gcloud) and it could not start.\n${(e as Error).message}`);
  }
  if (lab.startedHere) console.log(`lab: up in ${((Date.now() - t0) / 1000).toFixed(1)} s (${lab.dir})`);
  const info: LabInfo = {
    dir: lab.dir,
    env: lab.env,
    emulatorUrl: lab.emulatorUrl,
    adminUrl: lab.adminUrl,
    registryUrl: lab.registryUrl,
    tokenFile: lab.tokenFile,
    frontPort: lab.frontPort,
  };
  project.provide('lab', info);
  return async () => {
    await labRelease({ dir: lab.dir, keep: !!process.env.LAB_KEEP });
  };
}
