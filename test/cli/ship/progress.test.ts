import { ProgressDisplay } from '../../../src/cli/ship/progress';
import { captureIo } from '../../support/cli';

const CLEAR = '\r\x1b[K';
const id = `900${'1'.repeat(53)}`;

function display(columns?: number) {
  let now = Date.parse('2024-05-01T10:00:00Z');
  const { io, stderr } = captureIo();
  const progress = new ProgressDisplay(io.stderr, {
    now: () => now,
    ...(columns ? { columns } : {}),
  });
  return { progress, stderr, advance: (ms: number) => (now += ms) };
}

describe('ProgressDisplay', () => {
  it('shows logs, the checkpoint, logs/s, the newest log and how far behind it is', () => {
    const { progress, advance } = display();
    advance(4000);
    progress.update({ logs: 10_000, checkpoint: id, newestLogDate: '2024-05-01T09:56:40.000Z' });
    expect(progress.line()).toBe(
      `shipped 10,000 logs · checkpoint ${id} · 2,500 logs/s · newest 2024-05-01T09:56:40.000Z (3m 24s behind)`,
    );
  });

  it('shows the cursors at work when a backfill reports them', () => {
    const { progress, advance } = display();
    advance(1000);
    progress.update({ logs: 100, checkpoint: id, newestLogDate: null, cursors: 4 });
    expect(progress.line()).toBe(
      `shipped 100 logs · 4 cursors · checkpoint ${id} · 100 logs/s · newest -`,
    );
    progress.update({ cursors: 1 });
    expect(progress.line()).toMatch(/^shipped 100 logs · 1 cursor · checkpoint/);
    progress.update({ cursors: undefined });
    expect(progress.line()).toMatch(/^shipped 100 logs · checkpoint/);
  });

  it('redraws in place at most every 100 ms, and on a timer', () => {
    jest.useFakeTimers();
    try {
      const { progress, stderr, advance } = display();
      progress.start();
      expect(stderr()).toBe(`${CLEAR}shipped 0 logs · checkpoint - · 0 logs/s · newest -`);
      advance(50);
      progress.update({ logs: 5 });
      expect(stderr().split(CLEAR)).toHaveLength(2);
      advance(50);
      progress.update({ logs: 10 });
      expect(stderr().split(CLEAR)).toHaveLength(3);
      advance(1000);
      jest.advanceTimersByTime(1000);
      expect(stderr().split(CLEAR)).toHaveLength(4);
      progress.stop();
      expect(stderr().endsWith(CLEAR)).toBe(true);
      jest.advanceTimersByTime(5000);
      expect(stderr().split(CLEAR)).toHaveLength(5);
    } finally {
      jest.useRealTimers();
    }
  });

  it('shows a note after the count until the next update', () => {
    const { progress, stderr } = display();
    progress.setNote('caught up');
    expect(stderr()).toContain('shipped 0 logs · caught up · checkpoint -');
    progress.update({ logs: 1 });
    expect(progress.line()).not.toContain('caught up');
  });

  it('counts a countdown note down as time passes', () => {
    const { progress, advance } = display();
    progress.setNote((s) => `caught up, next poll in ${s}s`, Date.parse('2024-05-01T10:00:10Z'));
    expect(progress.line()).toContain('caught up, next poll in 10s');
    advance(3500);
    expect(progress.line()).toContain('caught up, next poll in 7s');
    advance(20_000);
    expect(progress.line()).toContain('caught up, next poll in 0s');
  });

  it('shows logs/s over the last 10 s: it falls to 0 while idle', () => {
    const { progress, advance } = display();
    for (let i = 1; i <= 10; i++) {
      advance(1000);
      progress.update({ logs: i * 100 });
    }
    expect(progress.recentRate()).toBe(100);
    advance(5000);
    expect(progress.recentRate()).toBe(50); // 500 logs in the last 10 s
    advance(5000);
    expect(progress.recentRate()).toBe(0);
    advance(1000);
    progress.update({ logs: 1100 });
    expect(progress.recentRate()).toBeCloseTo(100 / 11); // since the sample at the window's start
  });

  it('drops fields from the right to fit the terminal, never cutting the checkpoint', () => {
    const full = display();
    full.progress.update({ logs: 1, checkpoint: id, newestLogDate: '2024-05-01T09:56:40.000Z' });
    const parts = full.progress.line().split(' · ');
    expect(parts).toHaveLength(4);
    for (const [columns, kept] of [
      [200, 4],
      [parts.slice(0, 3).join(' · ').length + 1, 3],
      [parts.slice(0, 2).join(' · ').length + 1, 2],
      [40, 1],
    ] as const) {
      const { progress } = display(columns);
      progress.update({ logs: 1, checkpoint: id, newestLogDate: '2024-05-01T09:56:40.000Z' });
      expect(progress.line()).toBe(parts.slice(0, kept).join(' · '));
      expect(progress.line().length).toBeLessThan(columns);
    }
    const tiny = display(10);
    tiny.progress.update({ logs: 123_456 });
    expect(tiny.progress.line()).toBe('shipped …');
  });

  it('prints a line above the progress line and redraws it', () => {
    const { progress, stderr } = display();
    progress.print('retrying in 2s');
    expect(stderr()).toBe(
      `${CLEAR}retrying in 2s\n${CLEAR}shipped 0 logs · checkpoint - · 0 logs/s · newest -`,
    );
  });
});
