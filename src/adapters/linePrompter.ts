// Questions one line at a time, for plain mode in a terminal (--plain for screen readers, a dumb
// terminal): no cursor movement, no redraw, no colour, so a screen reader reads each line once. The
// terminal stays in line mode and echoes what is typed itself. A list is numbered: the answer is a
// number, or a name typed out (part of one narrows the list, a unique match is taken); Enter takes
// the default. Ctrl-C reaches the process as SIGINT, whose abort cancels the question; so does the
// end of input (Ctrl-D).
import { StringDecoder } from 'node:string_decoder';
import { BugError, CancelError } from '../errors.js';
import type { CallOpts, Choice, Prompter } from '../ports.js';
import { filterChoices } from './prompter.js';

/** Lists longer than this show names only (a description on every one of 40 regions is noise). */
const DESCRIBED_UP_TO = 10;

/** Reads whole lines from `input`, only while a question waits (paused in between, so the process can exit). */
function lineReader(input: NodeJS.ReadableStream) {
  const decoder = new StringDecoder('utf8');
  let partial = '';
  const lines: string[] = [];
  let ended = false;
  let wake = () => {};
  const onData = (d: Buffer | string) => {
    const parts = (partial + (typeof d === 'string' ? d : decoder.write(d))).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts.map((l) => l.replace(/\r$/, '')));
    wake();
  };
  const onEnd = () => {
    ended = true;
    wake();
  };
  async function wait(signal: AbortSignal | undefined): Promise<void> {
    input.on('data', onData);
    input.on('end', onEnd);
    input.resume();
    let onAbort = () => {};
    try {
      await new Promise<void>((resolve, reject) => {
        wake = resolve;
        onAbort = () => reject(new CancelError('cancelled', { cause: signal?.reason }));
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    } finally {
      signal?.removeEventListener('abort', onAbort);
      input.off('data', onData);
      input.off('end', onEnd);
      input.pause();
    }
  }
  return async function next(signal: AbortSignal | undefined): Promise<string> {
    for (;;) {
      if (signal?.aborted) throw new CancelError('cancelled', { cause: signal.reason });
      const line = lines.shift();
      if (line !== undefined) return line.trim();
      if (ended) throw new CancelError('cancelled (end of input)');
      await wait(signal);
    }
  };
}

export type LineAnswer<T> = { kind: 'picked'; choice: Choice<T> } | { kind: 'narrowed'; choices: Choice<T>[] } | { kind: 'again'; message: string };

/** What a typed line means for a numbered list (`shown`, out of `all`); `def` is what Enter takes. */
export function pickChoice<T>(all: Choice<T>[], shown: Choice<T>[], text: string, def: Choice<T> | undefined): LineAnswer<T> {
  const range = shown.length > 1 ? `a number from 1 to ${shown.length}` : 'the number 1';
  if (text === '') return def ? { kind: 'picked', choice: def } : { kind: 'again', message: `Type ${range}, or part of a name.` };
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n >= 1 && n <= shown.length ? { kind: 'picked', choice: shown[n - 1] } : { kind: 'again', message: `There is no ${text} in the list: type ${range}.` };
  }
  const t = text.toLowerCase();
  const exact = all.find((c) => String(c.value).toLowerCase() === t || c.name.toLowerCase() === t);
  if (exact) return { kind: 'picked', choice: exact };
  const matches = filterChoices(all, text);
  if (matches.length === 1) return { kind: 'picked', choice: matches[0] };
  if (matches.length === 0) return { kind: 'again', message: `Nothing matches "${text}": type ${range}, or part of a name.` };
  return { kind: 'narrowed', choices: matches };
}

/** The numbered list, one line per choice. */
export function choiceLines<T>(choices: Choice<T>[]): string[] {
  const described = choices.length <= DESCRIBED_UP_TO;
  return choices.map((c, i) => `  ${i + 1}) ${c.name}${described && c.description ? `: ${c.description}` : ''}`);
}

function choiceHint<T>(shown: Choice<T>[], def: Choice<T> | undefined): string {
  const number = shown.length > 1 ? `a number (1-${shown.length})` : 'the number 1';
  return `Type ${number} or part of a name${def ? `; Enter for ${def.name}` : ''}: `;
}

export function createLinePrompter(deps: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream; interactive: boolean }): Prompter {
  const next = lineReader(deps.input);
  const say = (line: string) => deps.output.write(line + '\n');
  async function answer(message: string, prompt: string, opts: CallOpts | undefined): Promise<string> {
    if (!deps.interactive) throw new BugError(`a question was asked in a non-interactive run: ${message}`);
    deps.output.write(prompt);
    return next(opts?.signal);
  }

  async function choose<T>(qn: { message: string; choices: Choice<T>[]; default?: T }, opts: CallOpts | undefined): Promise<T> {
    let shown = qn.choices;
    let def = qn.choices.find((c) => qn.default !== undefined && c.value === qn.default);
    say(qn.message);
    for (const l of choiceLines(shown)) say(l);
    for (;;) {
      const typed = await answer(qn.message, choiceHint(shown, def), opts);
      const r = pickChoice(qn.choices, shown, typed, def);
      if (r.kind === 'picked') {
        say(`  → ${r.choice.name}`);
        return r.choice.value;
      }
      if (r.kind === 'again') {
        say(`  ! ${r.message}`);
        continue;
      }
      shown = r.choices;
      def = def && shown.includes(def) ? def : undefined;
      say(`${shown.length} match "${typed}":`);
      for (const l of choiceLines(shown)) say(l);
    }
  }

  return {
    interactive: deps.interactive,
    select: (qn, opts) => choose(qn, opts),
    search: (qn, opts) => choose(qn, opts),

    async input(qn, opts) {
      for (;;) {
        const typed = await answer(qn.message, `${qn.message}${qn.default !== undefined ? ` (Enter for ${qn.default})` : ''}: `, opts);
        const value = typed === '' && qn.default !== undefined ? qn.default : typed;
        const ok = qn.validate ? qn.validate(value) : true;
        if (ok === true) return value;
        say(`  ! ${ok}`);
      }
    },

    async confirm(qn, opts) {
      const enter = qn.default === undefined ? '' : `, Enter for ${qn.default ? 'yes' : 'no'}`;
      for (;;) {
        const typed = (await answer(qn.message, `${qn.message} (yes or no${enter}): `, opts)).toLowerCase();
        if (typed === '' && qn.default !== undefined) return qn.default;
        if (['y', 'yes'].includes(typed)) return true;
        if (['n', 'no'].includes(typed)) return false;
        say('  ! Type yes or no.');
      }
    },
  };
}
