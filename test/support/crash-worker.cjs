// Child process of test/crash.test.ts: ships the fake tenant's logs to an NDJSON file with a
// FileStorage checkpoint, slowly enough that the parent can SIGKILL it mid-run.
const fs = require('node:fs');
const path = require('node:path');
const { LogsProcessor, FileStorage } = require(
  path.join(__dirname, '..', '..', 'dist', 'index.js'),
);

const env = process.env;
// A SIGKILL can cut a write short (Linux stops a write to a file between pages on a fatal signal):
// drop a partial last line, as a durable destination does, before appending.
if (fs.existsSync(env.CRASH_OUT)) {
  const text = fs.readFileSync(env.CRASH_OUT);
  if (text.length > 0 && text[text.length - 1] !== 0x0a)
    fs.truncateSync(env.CRASH_OUT, text.lastIndexOf(0x0a) + 1);
}
const out = fs.openSync(env.CRASH_OUT, 'a');
const processor = new LogsProcessor(new FileStorage(env.CRASH_STATE), {
  domain: env.CRASH_DOMAIN,
  clientId: env.CRASH_CLIENT_ID,
  clientSecret: env.CRASH_CLIENT_SECRET,
  ca: fs.readFileSync(env.CRASH_CA, 'utf8'),
  batchSize: Number(env.CRASH_BATCH),
  maxRunTimeSeconds: 120,
  backfillCursors: Number(env.CRASH_CURSORS || 1),
});

processor
  .run(async (logs) => {
    await new Promise((resolve) => setTimeout(resolve, 30 + Math.random() * 40));
    fs.writeSync(out, logs.map((log) => JSON.stringify({ id: log.log_id }) + '\n').join(''));
    fs.fsyncSync(out);
  })
  .then((result) => {
    process.stdout.write(
      JSON.stringify({ error: result.status.error ?? null, checkpoint: result.checkpoint }),
    );
    process.exit(result.status.error ? 1 : 0);
  })
  .catch((error) => {
    process.stderr.write(String(error && error.message));
    process.exit(2);
  });
