// The lab the lab project's global setup brought up (test/lab/global-setup.ts), for an e2e file.
import { inject } from 'vitest';
import { connectLab, type Lab } from '../lab/lab.js';

export async function theLab(): Promise<Lab> {
  const { dir } = inject('lab');
  const found = await connectLab(dir);
  if (!found) throw new Error(`the lab in ${dir} is not up`);
  return found;
}
