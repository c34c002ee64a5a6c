import { describe, expect, it } from 'vitest';
import { parseFlags, type CommandFlags } from '../src/args.js';

const NONE: CommandFlags = { json: false, plain: false, debug: false, fix: false, yes: false, deleteRepository: false };

describe('doctor and undo: their own flags', () => {
  const cases: [string, string[], ReturnType<typeof parseFlags>][] = [
    ['doctor alone', ['doctor'], { kind: 'command', command: 'doctor', flags: NONE }],
    ['doctor --fix --json', ['doctor', '--fix', '--json'], { kind: 'command', command: 'doctor', flags: { ...NONE, fix: true, json: true, yes: true } }],
    ['undo alone', ['undo'], { kind: 'command', command: 'undo', flags: NONE }],
    ['undo -y --delete-repository', ['undo', '-y', '--delete-repository'], { kind: 'command', command: 'undo', flags: { ...NONE, yes: true, deleteRepository: true } }],
    ['undo --json implies --yes', ['undo', '--json'], { kind: 'command', command: 'undo', flags: { ...NONE, json: true, yes: true } }],
    ['undo --plain', ['undo', '--plain'], { kind: 'command', command: 'undo', flags: { ...NONE, plain: true } }],
    ['doctor --help', ['doctor', '--help'], { kind: 'help' }],
    ['undo --delete-repository without --yes', ['undo', '--delete-repository'], { kind: 'usage-error', message: '--delete-repository goes with --yes (without --yes, undo asks you to type the repository name).' }],
    ['doctor with a setup flag', ['doctor', '--project', 'p'], { kind: 'usage-error', message: 'doctor does not take "--project".' }],
    ['undo with --fix', ['undo', '--fix'], { kind: 'usage-error', message: 'undo does not take "--fix".' }],
    ['doctor with a positional', ['doctor', 'now'], { kind: 'usage-error', message: 'doctor does not take "now".' }],
    ['a command name after a flag is a stray positional', ['--yes', 'doctor'], { kind: 'usage-error', message: 'Unexpected argument "doctor": every value goes after its option, e.g. --project mycoolproject-prod.' }],
  ];
  it.each(cases)('%s', (_case, argv, expected) => {
    expect(parseFlags(argv)).toEqual(expected);
  });
});
