import { formatCount, formatDuration, rate } from '../format';
import type { OutputStream } from '../io';

/** What the progress line shows. */
export interface ProgressState {
  /** Logs shipped since the command started. */
  logs: number;
  checkpoint: string | null;
  /** Date of the newest log shipped. */
  newestLogDate: string | null;
  /** Cursors reading at this moment (a backfill's `RunProgress.cursors`); absent without one. */
  cursors?: number | undefined;
}

/** Options of {@link ProgressDisplay}. */
export interface ProgressOptions {
  /**
   * Terminal width; the details (cursors, newest date, checkpoint) are dropped from the right until
   * the line fits one row, never the figures that matter (shipped, rate, lag, state).
   */
  columns?: number;
  now?: () => number;
  /** How often the line is redrawn while nothing happens (rate, lag and countdowns keep moving). */
  refreshMs?: number;
  /** logs/s is measured over this recent window, in ms. @default 10000 */
  rateWindowMs?: number;
}

/** A note at the end of the line: fixed text, or text with a countdown to an epoch-ms moment. */
type Note = string | { text: (secondsLeft: number) => string; until: number };

const CLEAR = '\r\x1b[K';

/** What the line says before anything happened: the token and the first page are on their way. */
export const CONNECTING = 'connecting';

/**
 * One self-redrawing status line on a terminal (stderr), what matters first: logs shipped, logs/s
 * over the last 10 s, lag (the age of the newest log shipped), state (`connecting` until the first
 * batch, `shipping`, or a note: caught up, waiting, retrying); then the details: cursors, the
 * newest log's date, the checkpoint. The details are dropped from the right to fit the terminal
 * (the 56-digit checkpoint first), each shown whole or not at all.
 */
export class ProgressDisplay {
  private state: ProgressState = { logs: 0, checkpoint: null, newestLogDate: null };
  private note: Note = CONNECTING;
  private timer: ReturnType<typeof setInterval> | undefined;
  private lastDraw = -Infinity;
  private readonly now: () => number;
  /** `[time, logs]` samples of the recent window; the first is its base. */
  private samples: Array<[number, number]>;

  constructor(
    private readonly stream: OutputStream,
    private readonly options: ProgressOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.samples = [[this.now(), 0]];
  }

  start(): this {
    this.timer = setInterval(() => this.draw(), this.options.refreshMs ?? 1000);
    this.timer.unref();
    this.draw();
    return this;
  }

  /** Records new figures; redraws at most every 100 ms. */
  update(state: Partial<ProgressState>): void {
    this.state = { ...this.state, ...state };
    this.sample();
    this.note = '';
    if (this.now() - this.lastDraw >= 100) this.draw();
  }

  /** A short note, e.g. `caught up`; a countdown note shows the seconds left to `until`. */
  setNote(note: string): void;
  setNote(text: (secondsLeft: number) => string, until: number): void;
  setNote(note: string | ((secondsLeft: number) => string), until?: number): void {
    this.note = typeof note === 'string' ? note : { text: note, until: until ?? this.now() };
    this.draw();
  }

  /** Prints a line above the progress line (a retry, a reopened file), then redraws it. */
  print(line: string): void {
    this.stream.write(`${CLEAR}${line}\n`);
    this.draw();
  }

  /** Erases the line, so the summary starts on a clean row. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.stream.write(CLEAR);
  }

  /** logs/s over the recent window (0 once nothing was shipped for a whole window). */
  recentRate(): number {
    this.sample();
    const now = this.now();
    const [since, base] = this.samples[0] as [number, number];
    return rate(this.state.logs - base, now - since);
  }

  /** The current line, without terminal control codes. */
  line(): string {
    const now = this.now();
    const newest = this.state.newestLogDate ? Date.parse(this.state.newestLogDate) : NaN;
    const essential = [
      `shipped ${formatCount(this.state.logs)} logs`,
      `${formatCount(this.recentRate())}/s`,
      `lag ${Number.isNaN(newest) ? '-' : formatDuration(Math.max(0, now - newest))}`,
      this.noteText(now) || 'shipping',
    ];
    const details = [
      ...(this.state.cursors === undefined
        ? []
        : [`${this.state.cursors} cursor${this.state.cursors === 1 ? '' : 's'}`]),
      `newest ${this.state.newestLogDate ?? '-'}`,
      `checkpoint ${this.state.checkpoint ?? '-'}`,
    ];
    const parts = [...essential, ...details];
    const width = (this.options.columns ?? 0) - 1;
    if (width <= 0) return parts.join(' · ');
    while (parts.length > essential.length && parts.join(' · ').length > width) parts.pop();
    const text = parts.join(' · ');
    return text.length > width ? `${text.slice(0, width - 1)}…` : text;
  }

  private noteText(now: number): string {
    if (typeof this.note === 'string') return this.note;
    return this.note.text(Math.max(0, Math.ceil((this.note.until - now) / 1000)));
  }

  private sample(): void {
    const now = this.now();
    const windowMs = this.options.rateWindowMs ?? 10_000;
    const last = this.samples[this.samples.length - 1] as [number, number];
    if (last[1] !== this.state.logs || now - last[0] >= 1000)
      this.samples.push([now, this.state.logs]);
    // keep one sample at or before the window's start as the base
    while (this.samples.length > 1 && (this.samples[1] as [number, number])[0] <= now - windowMs)
      this.samples.shift();
  }

  private draw(): void {
    this.lastDraw = this.now();
    this.stream.write(`${CLEAR}${this.line()}`);
  }
}
