import { formatCount, formatNewest, rate } from './format';
import type { OutputStream } from './io';

/** What the progress line shows. */
export interface ProgressState {
  /** Logs shipped since the command started. */
  logs: number;
  checkpoint: string | null;
  /** Date of the newest log shipped. */
  newestLogDate: string | null;
}

/** Options of {@link ProgressDisplay}. */
export interface ProgressOptions {
  /** Terminal width; the line is cut to fit one row. */
  columns?: number;
  now?: () => number;
  /** How often the line is redrawn while nothing happens (rate and lag keep moving). */
  refreshMs?: number;
}

const CLEAR = '\r\x1b[K';

/** One self-redrawing status line on a terminal (stderr): logs, logs/s, newest log, checkpoint. */
export class ProgressDisplay {
  private state: ProgressState = { logs: 0, checkpoint: null, newestLogDate: null };
  private note = '';
  private timer: ReturnType<typeof setInterval> | undefined;
  private lastDraw = -Infinity;
  private readonly now: () => number;
  private readonly started: number;

  constructor(
    private readonly stream: OutputStream,
    private readonly options: ProgressOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.started = this.now();
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
    this.note = '';
    if (this.now() - this.lastDraw >= 100) this.draw();
  }

  /** A short note at the end of the line, e.g. `caught up, next poll in 10s`. */
  setNote(note: string): void {
    this.note = note;
    this.draw();
  }

  /** Erases the line, so the summary starts on a clean row. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.stream.write(CLEAR);
  }

  /** The current line, without terminal control codes. */
  line(): string {
    const now = this.now();
    const parts = [
      `shipped ${formatCount(this.state.logs)} logs`,
      `${formatCount(rate(this.state.logs, now - this.started))} logs/s`,
      `newest ${formatNewest(this.state.newestLogDate, now)}`,
      ...(this.note ? [this.note] : []),
      `checkpoint ${this.state.checkpoint ?? '-'}`,
    ];
    const text = parts.join(' · ');
    const width = (this.options.columns ?? 0) - 1;
    return width > 0 && text.length > width ? `${text.slice(0, width - 1)}…` : text;
  }

  private draw(): void {
    this.lastDraw = this.now();
    this.stream.write(`${CLEAR}${this.line()}`);
  }
}
