// A type-to-filter picker on @inquirer/core, drawn like @inquirer/search, with a synchronous source.
//
// Why not @inquirer/search: it awaits its source after every keystroke and ignores Enter until the
// results are in (status 'loading'), so an Enter that comes in the same input chunk as the typed
// text (a fast typist, or a paste followed by Enter) is dropped and has to be pressed again. Here
// the list is a pure function of the term, worked out during the render that follows each key, and
// readline emits the keys of a chunk one by one with a render after each: every key, Enter too,
// sees the list of the term as it is at that point.
//
// Like @inquirer/search: the term after the message; the list paginated (no looping), the active
// item highlighted with its description under the list; ↑/↓ move and stop at the ends; Tab puts the
// active item's name into the term; Enter picks the active item, and with no match it does nothing
// (a "No results found" line shows); the default value is the active item at first; once answered,
// the line shows the chosen item's name. Unlike it, ↑/↓ keep the typed term (readline would recall
// its line history there), and after Tab the tabbed item stays the active one.
import { styleText } from 'node:util';
import figures from '@inquirer/figures';
import {
  createPrompt,
  isDownKey,
  isEnterKey,
  isTabKey,
  isUpKey,
  makeTheme,
  useKeypress,
  useMemo,
  usePagination,
  usePrefix,
  useState,
  type Status,
} from '@inquirer/core';
import { TONE } from '../ui/palette.js';

/**
 * The marks every question shows, in colours that read on light and dark backgrounds (Inquirer's
 * own '?' is blue, faint on black). Its spinner only shows for slow validation, which we never do.
 */
export const questionTheme = { prefix: { idle: styleText(TONE.accent, '?'), done: styleText(TONE.ok, figures.tick) } };

export interface SearchChoice<Value> {
  value: Value;
  name: string;
  description?: string;
  /** What the answered line shows (default: name). */
  short?: string;
}

export interface SearchConfig<Value> {
  message: string;
  /** The items for a term ('' before anything is typed). Synchronous: it runs on every key. */
  source: (term: string) => ReadonlyArray<SearchChoice<Value>>;
  /** The value of the item that is active at first (the first item when absent or not listed). */
  default?: Value;
  /** Lines of the list shown at once (7, like @inquirer/search, when absent). */
  pageSize?: number;
  /** Over the default look (the prompter's description style, broken to the terminal's width). */
  theme?: { style?: { description?: (text: string) => string } };
}

type SearchTheme = {
  icon: { cursor: string };
  style: {
    searchTerm: (text: string) => string;
    description: (text: string) => string;
    keysHelpTip: (keys: [key: string, action: string][]) => string;
  };
};

// The same look as @inquirer/search's theme.
const searchTheme: SearchTheme = {
  icon: { cursor: figures.pointer },
  style: {
    searchTerm: (text) => styleText('cyan', text),
    // The reason under the list: dim, apart from the choices.
    description: (text) => styleText('dim', text),
    keysHelpTip: (keys) => keys.map(([key, action]) => `${styleText('bold', key)} ${styleText('dim', action)}`).join(styleText('dim', ' • ')),
  },
};

const prompt = createPrompt((config: SearchConfig<unknown>, done: (value: unknown) => void) => {
  const { pageSize = 7 } = config;
  const theme = makeTheme<SearchTheme>(searchTheme, questionTheme, config.theme ?? {});
  const [status, setStatus] = useState<Status>('idle');
  const [term, setTerm] = useState('');
  const items = useMemo(() => config.source(term), [term]);
  const [active, setActive] = useState(() => {
    const i = config.default === undefined ? -1 : items.findIndex((c) => c.value === config.default);
    return i === -1 ? 0 : i;
  });
  const prefix = usePrefix({ status, theme });
  const selected: SearchChoice<unknown> | undefined = items[active];

  useKeypress((key, rl) => {
    // readline has already applied the key to rl.line when this runs.
    if (isEnterKey(key)) {
      if (selected) {
        setStatus('done');
        done(selected.value);
      } else {
        rl.write(term); // readline emptied its line on Enter: put the term back
      }
    } else if (isTabKey(key)) {
      rl.clearLine(0); // drop the tab readline inserted
      if (selected) {
        rl.write(selected.name);
        setTerm(selected.name);
        const again = config.source(selected.name).findIndex((c) => c.value === selected.value);
        setActive(again === -1 ? 0 : again);
      } else {
        rl.write(term);
      }
    } else if (isUpKey(key) || isDownKey(key)) {
      rl.clearLine(0); // readline's history would change the line: keep the term
      rl.write(term);
      if (isUpKey(key) && active > 0) setActive(active - 1);
      else if (isDownKey(key) && active < items.length - 1) setActive(active + 1);
    } else if (rl.line !== term) {
      setTerm(rl.line);
      setActive(0);
    }
  });

  const message = theme.style.message(config.message, status);
  const page = usePagination({
    items,
    active,
    renderItem({ item, isActive }) {
      const color = isActive ? theme.style.highlight : (x: string) => x;
      const cursor = isActive ? theme.icon.cursor : ' ';
      return color(`${cursor} ${item.name}`);
    },
    pageSize,
    loop: false,
  });

  if (status === 'done' && selected) {
    return [prefix, message, theme.style.answer(selected.short ?? selected.name)].filter(Boolean).join(' ').trimEnd();
  }

  const header = [prefix, message, theme.style.searchTerm(term)].filter(Boolean).join(' ').trimEnd();
  const body = [
    items.length === 0 ? theme.style.error('No results found') : page,
    ' ',
    selected?.description ? theme.style.description(selected.description) : '',
    theme.style.keysHelpTip([
      ['↑↓', 'navigate'],
      ['⏎', 'select'],
    ]),
  ]
    .filter(Boolean)
    .join('\n')
    .trimEnd();
  return [header, body];
});

/** The picker; `context` is the one every @inquirer prompt takes (input, output, signal, clearPromptOnDone). */
export const searchPrompt = prompt as <Value>(config: SearchConfig<Value>, context?: Parameters<typeof prompt>[1]) => Promise<Value>;
