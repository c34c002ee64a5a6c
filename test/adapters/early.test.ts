import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { getPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { WAITING_NICE, earlyKey, startEarly } from '../../src/adapters/early.js';

const node = process.execPath;
const printPriority = ['-e', 'console.log(require("os").getPriority())'];
const early = fileURLToPath(new URL('../../src/adapters/early.ts', import.meta.url));

describe('startEarly: the wizard steps back once the early commands run', () => {
  it.each([
    { case: 'no early command: the priority stays', commands: [] as [string, string[]][], calls: [] as number[] },
    { case: 'an early command: lowered once, by WAITING_NICE', commands: [[node, printPriority]] as [string, string[]][], calls: [WAITING_NICE] },
  ])('$case', async ({ commands, calls }) => {
    const got: number[] = [];
    const runs = startEarly(commands, process.env, (by) => got.push(by));
    expect(got).toEqual(calls);
    await Promise.all([...runs.values()].map((r) => r.result));
  });

  it('a refusal to lower it changes nothing: the commands still run', async () => {
    const runs = startEarly([[node, printPriority]], process.env, () => {
      throw Object.assign(new Error('EACCES'), { code: 'EACCES' });
    });
    const r = await runs.get(earlyKey(node, printPriority))!.result;
    expect(r.exitCode).toBe(0);
  });

  // In a process of its own, so that the test runner keeps its priority.
  it('for real: the early command keeps the starting priority, the wizard (and what it starts later) gets the lower one', async () => {
    const script = `
      import { startEarly, earlyKey, lowerOwnPriority } from ${JSON.stringify(early)};
      import { getPriority } from 'node:os';
      import { execFileSync } from 'node:child_process';
      const cmd = [process.execPath, ${JSON.stringify(printPriority)}];
      const runs = startEarly([cmd], process.env, lowerOwnPriority);
      const earlyChild = Number((await runs.get(earlyKey(...cmd)).result).stdout);
      const laterChild = Number(execFileSync(cmd[0], cmd[1], { encoding: 'utf8' }));
      console.log(JSON.stringify({ earlyChild, self: getPriority(), laterChild }));
    `;
    const { stdout } = await promisify(execFile)(node, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    const base = getPriority();
    const lowered = Math.min(19, base + WAITING_NICE);
    expect(JSON.parse(stdout)).toEqual({ earlyChild: base, self: lowered, laterChild: lowered });
  });
});
