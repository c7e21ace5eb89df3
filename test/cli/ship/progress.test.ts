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
  it('shows logs, logs/s, the lag, the state, then the newest log and the checkpoint', () => {
    const { progress, advance } = display();
    expect(progress.line()).toBe(
      'shipped 0 logs · 0/s · lag - · connecting · newest - · checkpoint -',
    );
    advance(4000);
    progress.update({ logs: 10_000, checkpoint: id, newestLogDate: '2024-05-01T09:56:40.000Z' });
    expect(progress.line()).toBe(
      `shipped 10,000 logs · 2,500/s · lag 3m 24s · shipping · newest 2024-05-01T09:56:40.000Z · checkpoint ${id}`,
    );
  });

  it('shows the cursors at work when a backfill reports them', () => {
    const { progress, advance } = display();
    advance(1000);
    progress.update({ logs: 100, checkpoint: id, newestLogDate: null, cursors: 4 });
    expect(progress.line()).toBe(
      `shipped 100 logs · 100/s · lag - · shipping · 4 cursors · newest - · checkpoint ${id}`,
    );
    progress.update({ cursors: 1 });
    expect(progress.line()).toContain(' · shipping · 1 cursor · newest');
    progress.update({ cursors: undefined });
    expect(progress.line()).toContain(' · shipping · newest');
  });

  it('redraws in place at most every 100 ms, and on a timer', () => {
    jest.useFakeTimers();
    try {
      const { progress, stderr, advance } = display();
      progress.start();
      expect(stderr()).toBe(
        `${CLEAR}shipped 0 logs · 0/s · lag - · connecting · newest - · checkpoint -`,
      );
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
    expect(stderr()).toContain('shipped 0 logs · 0/s · lag - · caught up · newest -');
    progress.update({ logs: 1 });
    expect(progress.line()).not.toContain('caught up');
    expect(progress.line()).toContain(' · shipping · ');
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

  it('keeps shipped, rate, lag and state at 80 columns: the checkpoint is dropped first', () => {
    const { progress, advance } = display(80);
    for (let i = 1; i <= 10; i++) {
      advance(1000);
      progress.update({
        logs: i * 123_456, // a backfill at an unusual 123,456 logs/s
        checkpoint: id,
        newestLogDate: '2024-05-01T08:56:40.000Z',
        cursors: 8,
      });
    }
    // the longest state there is, counting down 30 s
    progress.setNote((s) => `request failed, retry in ${s}s`, Date.parse('2024-05-01T10:00:40Z'));
    const line = progress.line();
    expect(line).toBe(
      'shipped 1,234,560 logs · 123,456/s · lag 1h 3m · request failed, retry in 30s',
    );
    expect(line.length).toBeLessThan(80);
    expect(line).not.toContain('checkpoint');
  });

  it('drops the details from the right (checkpoint, newest date, cursors), whole or not at all', () => {
    const full = display();
    full.progress.update({ logs: 1, checkpoint: id, newestLogDate: '2024-05-01T09:56:40.000Z' });
    const parts = full.progress.line().split(' · ');
    expect(parts).toHaveLength(6);
    for (const [columns, kept] of [
      [200, 6],
      [parts.slice(0, 5).join(' · ').length + 1, 5],
      [parts.slice(0, 4).join(' · ').length + 1, 4],
      [40, 4],
    ] as const) {
      const { progress } = display(columns);
      progress.update({ logs: 1, checkpoint: id, newestLogDate: '2024-05-01T09:56:40.000Z' });
      const essential = parts.slice(0, kept).join(' · ');
      const line = progress.line();
      if (essential.length < columns) expect(line).toBe(essential);
      else expect(line).toBe(`${essential.slice(0, columns - 2)}…`);
      expect(line.length).toBeLessThan(columns);
    }
  });

  it('prints a line above the progress line and redraws it', () => {
    const { progress, stderr } = display();
    progress.print('retrying in 2s');
    expect(stderr()).toBe(
      `${CLEAR}retrying in 2s\n${CLEAR}shipped 0 logs · 0/s · lag - · connecting · newest - · checkpoint -`,
    );
  });
});
