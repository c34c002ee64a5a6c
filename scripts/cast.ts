// An asciicast v2 recording (the format asciinema and svg-term read): a JSON header line, then one
// JSON line per chunk of terminal output, `[seconds, "o", data]`. Times are the real ones, except
// that a pause longer than `maxIdle` is shortened to it (a viewer should not wait for a slow push).

export interface CastHeader {
  version: 2;
  width: number;
  height: number;
  title?: string;
  env?: Record<string, string>;
}

export type CastEvent = [time: number, kind: 'o', data: string];

export class CastRecorder {
  private readonly events: CastEvent[] = [];
  private last = 0; // real time (ms) of the previous chunk
  private at = 0; // recording time (s) of the previous chunk

  constructor(
    private readonly header: CastHeader,
    private readonly opts: { maxIdle: number; now?: () => number },
  ) {}

  private now(): number {
    return this.opts.now ? this.opts.now() : performance.now();
  }

  /** Output that appears now (the first chunk starts the clock). */
  output(data: string): void {
    const t = this.now();
    if (this.events.length === 0) this.last = t;
    this.at += Math.min((t - this.last) / 1000, this.opts.maxIdle);
    this.last = t;
    this.events.push([Math.round(this.at * 1000) / 1000, 'o', data]);
  }

  /** Keeps the screen as it is for `seconds` (the end of the recording, before the player loops). */
  hold(seconds: number): void {
    this.at += seconds;
    this.events.push([Math.round(this.at * 1000) / 1000, 'o', '']);
  }

  /** The whole file: header line, then one line per event. */
  text(): string {
    return [JSON.stringify(this.header), ...this.events.map((e) => JSON.stringify(e))].join('\n') + '\n';
  }
}

/** Parses a cast, checking it is asciicast v2: a header with width and height, then `[time, "o", data]` in time order. */
export function parseCast(text: string): { header: CastHeader; events: CastEvent[] } {
  const [first, ...rest] = text.trimEnd().split('\n');
  const header = JSON.parse(first) as CastHeader;
  if (header.version !== 2 || !(header.width > 0) || !(header.height > 0)) throw new Error(`not an asciicast v2 header: ${first}`);
  let prev = 0;
  const events = rest.map((line, i) => {
    const e = JSON.parse(line) as unknown;
    if (!Array.isArray(e) || e.length !== 3 || typeof e[0] !== 'number' || e[1] !== 'o' || typeof e[2] !== 'string') throw new Error(`event ${i + 1} is not [time, "o", data]: ${line}`);
    if (e[0] < prev) throw new Error(`event ${i + 1} goes back in time: ${line}`);
    prev = e[0];
    return e as CastEvent;
  });
  return { header, events };
}
