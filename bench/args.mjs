// Command-line flags of `node bench/run.mjs`.

const SCENARIO_IDS = ['1', '2', '3', '4', '5', '6'];
const SHAPE_NAMES = ['even', 'burst', 'bursts', 'diurnal'];

export const USAGE = `Usage: node bench/run.mjs [options]   (or: npm run bench -- [options])

  --scenario 1,3        scenarios to run (default: 1,2,3,4,5,6; 5 is the backfill, 6 the
                        one-cursor target: scenario 1's tenant and send time, 6,000 logs, ours
                        also with a stored token)
  --backfill            only the backfill scenario (same as --scenario 5)
  --shapes even,burst   backlog shapes of the backfill scenario (default: even,burst,bursts,diurnal:
                        evenly over 7 days; within 12 minutes 17 days ago; five bursts 3 days
                        apart; a working week), each with 1 and with 8 cursors
  --logs N              logs in scenarios 1-3 and 5 (default 20000); scenario 4 uses 10 x N
                        (default 200000); scenario 6 ignores it
  --near-limit-logs N   logs in scenario 6 (default 6000, the target's figure)
  --original-logs N     logs the original gets in every scenario (default: as ours in 1, 5 and 6,
                        half in 2 and 3)
  --libs ours,original  libraries to run (default: both)
  --original-backlog    also run the original in scenario 4 (slow: about 8 minutes at its pace)
  --max-seconds S       time cap of one library in one scenario (default 240, original 90)
  --quick               a small run: --logs 4000, original capped at 40 s (scenario 6 keeps
                        its 6,000 logs)
  --json PATH           where to write the results (default bench/results.json)
  --help                this text
`;

function positiveInteger(flag, raw) {
  const value = Number(raw);
  if (!/^\d+$/.test(String(raw)) || value < 1) {
    throw new Error(`Expected ${flag} to be a positive integer, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function list(flag, raw, allowed) {
  const items = String(raw ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  const bad = items.filter((item) => !allowed.includes(item));
  if (items.length === 0 || bad.length > 0) {
    throw new Error(`Expected ${flag} to list some of ${allowed.join(',')}, got ${raw}`);
  }
  return [...new Set(items)];
}

/** Parses `argv` (without node and the script) into the bench options. */
export function parseArgs(argv) {
  const options = {
    scenarios: [...SCENARIO_IDS],
    shapes: [...SHAPE_NAMES],
    logs: undefined,
    nearLimitLogs: undefined,
    originalLogs: undefined,
    libs: ['ours', 'original'],
    originalBacklog: false,
    maxSeconds: undefined,
    quick: false,
    json: undefined,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => (inline !== undefined ? inline : argv[++i]);
    switch (flag) {
      case '--scenario':
      case '--scenarios':
        options.scenarios = list(flag, value(), SCENARIO_IDS).sort();
        break;
      case '--backfill':
        options.scenarios = ['5'];
        break;
      case '--shapes':
        options.shapes = list(flag, value(), SHAPE_NAMES);
        break;
      case '--logs':
        options.logs = positiveInteger(flag, value());
        break;
      case '--near-limit-logs':
        options.nearLimitLogs = positiveInteger(flag, value());
        break;
      case '--original-logs':
        options.originalLogs = positiveInteger(flag, value());
        break;
      case '--libs':
        options.libs = list(flag, value(), ['ours', 'original']);
        break;
      case '--original-backlog':
        options.originalBacklog = true;
        break;
      case '--max-seconds':
        options.maxSeconds = positiveInteger(flag, value());
        break;
      case '--quick':
        options.quick = true;
        break;
      case '--json':
        options.json = value();
        if (!options.json) throw new Error('Expected --json to name a file');
        break;
      case '--help':
      case '-h':
        options.help = true;
        break;
      default:
        throw new Error(`Unknown option ${argv[i]}\n\n${USAGE}`);
    }
  }
  return options;
}
