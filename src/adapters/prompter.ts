// Questions, with @inquirer/prompts on the injected streams. Static named imports of the three
// prompts we use: the bundle keeps only those (a namespace import would pull in every prompt,
// including the editor prompt's iconv-lite); this module loads with src/app/env.ts, after the
// header, so the header does not wait for it. The type-to-filter picker is our own
// (./searchPrompt.ts, on @inquirer/core): @inquirer/search ignores an Enter that comes in the same
// input chunk as the typed text. Ctrl-C and Escape become CancelError.
import { BugError, CancelError } from '../errors.js';
import type { CallOpts, Choice, Prompter } from '../ports.js';
import { confirm, input, select } from '@inquirer/prompts';
import { styleText } from 'node:util';
import { questionTheme, searchPrompt as search } from './searchPrompt.js';
import { wrap } from '../output/fit.js';

const inquirer = { select, search, input, confirm };
type Inquirer = typeof inquirer;

const CANCEL_ERRORS = new Set(['ExitPromptError', 'AbortPromptError', 'CancelPromptError']);

/** Case-insensitive substring match over a choice's name and value. */
export function filterChoices<T>(choices: Choice<T>[], term: string | undefined): Choice<T>[] {
  const t = (term ?? '').trim().toLowerCase();
  if (!t) return choices;
  return choices.filter((c) => c.name.toLowerCase().includes(t) || String(c.value).toLowerCase().includes(t));
}

/** A choice as Inquirer takes it (no description key when there is none). */
function inquirerChoice<T>(c: Choice<T>): { value: T; name: string; description?: string; short?: string } {
  return { value: c.value, name: c.name, ...(c.description ? { description: c.description } : {}), ...(c.short ? { short: c.short } : {}) };
}

type ListTheme = typeof questionTheme & { style: { description: (text: string) => string } };

/**
 * The reason under a list, dim, broken between words to fit the terminal: Inquirer itself would cut
 * it at the right edge, mid-word. One column is left free, so no row ends exactly at the edge.
 */
function listTheme(output: NodeJS.WritableStream): ListTheme {
  const cols = () => (output as { columns?: number }).columns || 80;
  return { ...questionTheme, style: { description: (text) => wrap(text, cols() - 1).map((l) => styleText('dim', l)).join('\n') } };
}

/** What a list question (select, search) tells Inquirer besides its choices. */
function listQuestion<T>(qn: { message: string; default?: T }, theme: ListTheme): { message: string; default?: T; pageSize: number; theme: ListTheme } {
  return { message: qn.message, ...(qn.default !== undefined ? { default: qn.default } : {}), pageSize: 12, theme };
}

type Ctx = { input: NodeJS.ReadableStream; output: NodeJS.WritableStream; signal: AbortSignal; clearPromptOnDone: boolean };

export function createPrompter(deps: {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  interactive: boolean;
}): Prompter {
  const theme = listTheme(deps.output);
  async function ask<T>(message: string, opts: CallOpts | undefined, fn: (q: Inquirer, ctx: Ctx) => Promise<T>): Promise<T> {
    if (!deps.interactive) throw new BugError(`a question was asked in a non-interactive run: ${message}`);
    const outer = opts?.signal;
    if (outer?.aborted) throw new CancelError('cancelled', { cause: outer.reason });
    const q = inquirer;
    const ac = new AbortController();
    const onAbort = () => ac.abort(outer?.reason);
    outer?.addEventListener('abort', onAbort, { once: true });
    let escaped = false;
    // Inquirer's readline makes the input emit keypress events; Escape cancels the question.
    const onKey = (_s: unknown, key?: { name?: string }) => {
      if (key?.name === 'escape') {
        escaped = true;
        ac.abort();
      }
    };
    deps.input.on('keypress', onKey);
    try {
      return await fn(q, { input: deps.input, output: deps.output, signal: ac.signal, clearPromptOnDone: false });
    } catch (e) {
      if (e instanceof Error && CANCEL_ERRORS.has(e.name)) throw new CancelError(escaped ? 'cancelled (Escape)' : 'cancelled', { cause: e });
      throw e;
    } finally {
      deps.input.removeListener('keypress', onKey);
      outer?.removeEventListener('abort', onAbort);
    }
  }

  return {
    interactive: deps.interactive,

    select(qn, opts) {
      return ask(qn.message, opts, (q, ctx) => q.select({ ...listQuestion(qn, theme), choices: qn.choices.map(inquirerChoice) }, ctx)) as Promise<typeof qn.choices[number]['value']>;
    },

    search(qn, opts) {
      return ask(qn.message, opts, (q, ctx) =>
        q.search({ ...listQuestion(qn, theme), source: (term: string | undefined) => filterChoices(qn.choices, term).map(inquirerChoice) }, ctx),
      ) as Promise<typeof qn.choices[number]['value']>;
    },

    input(qn, opts) {
      return ask(qn.message, opts, (q, ctx) =>
        q.input(
          {
            message: qn.message,
            theme: questionTheme,
            ...(qn.default !== undefined ? { default: qn.default } : {}),
            ...(qn.validate ? { validate: (v: string) => qn.validate!(v.trim()) } : {}),
          },
          ctx,
        ),
      ).then((v) => v.trim());
    },

    confirm(qn, opts) {
      return ask(qn.message, opts, (q, ctx) => q.confirm({ message: qn.message, theme: questionTheme, ...(qn.default !== undefined ? { default: qn.default } : {}) }, ctx));
    },
  };
}
