import { ProgressDisplay } from '../../src/cli/progress';
import { captureIo } from './helpers';

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
  it('shows logs, logs/s, the newest log and how far behind it is, and the checkpoint', () => {
    const { progress, advance } = display();
    advance(4000);
    progress.update({ logs: 10_000, checkpoint: id, newestLogDate: '2024-05-01T09:56:40.000Z' });
    expect(progress.line()).toBe(
      `shipped 10,000 logs · 2,500 logs/s · newest 2024-05-01T09:56:40.000Z (3m 24s behind) · checkpoint ${id}`,
    );
  });

  it('redraws in place at most every 100 ms, and on a timer', () => {
    jest.useFakeTimers();
    try {
      const { progress, stderr, advance } = display();
      progress.start();
      expect(stderr()).toBe(`${CLEAR}shipped 0 logs · 0 logs/s · newest - · checkpoint -`);
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

  it('shows a note before the checkpoint until the next update', () => {
    const { progress, stderr } = display();
    progress.setNote('caught up, next poll in 10s');
    expect(stderr()).toContain('newest - · caught up, next poll in 10s · checkpoint -');
    progress.update({ logs: 1 });
    expect(progress.line()).not.toContain('caught up');
  });

  it('cuts the line to the terminal width', () => {
    const { progress } = display(40);
    progress.update({ logs: 1, checkpoint: id });
    expect(progress.line()).toHaveLength(39);
    expect(progress.line().endsWith('…')).toBe(true);
  });
});
