// Runs `doctor` or `undo`: the same real env and saved record as the setup, plain lines (no Ink),
// one error report for whatever escapes the command.
import type { CommandFlags, CommandName } from '../args.js';
import type { Command } from '../commands/types.js';
import { fatalLines } from '../output/format.js';
import { toWizardError } from '../errors.js';
import type { CliDeps } from './runCli.js';
import { choosePlain } from './mode.js';
import { fitLine } from '../output/fit.js';

const COMMANDS: Record<CommandName, () => Promise<Command>> = {
  doctor: async () => (await import('../commands/doctor.js')).doctor,
  undo: async () => (await import('../commands/undo.js')).undo,
};

/** Writes lines; `fit`: to a terminal, each broken to its width (read per line: it may be resized). */
function writer(stream: NodeJS.WritableStream, fit = false): (text: string) => void {
  const cols = () => (fit ? (stream as { columns?: number }).columns : undefined);
  return (text) => {
    const c = cols();
    stream.write((c ? text.split('\n').flatMap((l) => fitLine(l, c - 1)) : [text]).join('\n') + '\n');
  };
}

export async function runCommand(d: CliDeps, name: CommandName, flags: CommandFlags): Promise<number> {
  const ac = new AbortController();
  let interrupts = 0;
  const off = d.onSignal(() => (++interrupts === 1 ? ac.abort() : d.exitNow(130)));
  const interactive = !!d.stdin.isTTY && !!d.stdout.isTTY && !flags.yes && !flags.json;
  const plain = choosePlain(flags, !!d.stdout.isTTY, d.processEnv);
  // In a terminal (not plain: a screen reader reads whole lines), long findings and fixes wrap under their marks.
  const say = writer(flags.json ? d.stderr : d.stdout, !plain);
  try {
    const [command, real] = await Promise.all([COMMANDS[name](), d.makeEnv({ interactive, plain })]);
    return await command({ flags, ...real, say, json: (doc) => writer(d.stdout)(JSON.stringify(doc, null, 2)), interactive, signal: ac.signal });
  } catch (e) {
    const w = toWizardError(e);
    if (w.kind === 'cancel' || ac.signal.aborted) {
      say('Stopped.');
      return 130;
    }
    for (const l of fatalLines(`registry-setup ${name}`, w, flags.debug)) writer(d.stderr)(l);
    // A missing flag (no terminal to ask in) is a usage error, as for the setup.
    return w.kind === 'user' && w.flag ? 2 : 1;
  } finally {
    off();
  }
}
