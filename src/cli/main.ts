#!/usr/bin/env node
import { EventEmitter } from 'node:events';
import { runCli } from './cli';
import { errorMessage } from '../errors';

// The process wiring only; everything else is in runCli, which the tests call in-process.
const controller = new AbortController();
let stops = 0;
const stop = (signal: NodeJS.Signals) => {
  stops += 1;
  if (stops > 1) process.exit(130);
  process.stderr.write(`\nauth0-log-tools: ${signal}: stopping cleanly (again to quit at once)\n`);
  controller.abort();
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
// SIGHUP reopens `ship --out` (log rotation) instead of ending the process
const hangups = new EventEmitter();
process.on('SIGHUP', () => hangups.emit('hangup'));
// a closed pipe (`| head`) fails the pending write, which stops the run; do not crash on the event
process.stdout.on('error', () => undefined);

runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  isTTY: process.stderr.isTTY === true,
  stdoutIsTTY: process.stdout.isTTY === true,
  hangups,
  ...(process.stderr.columns ? { columns: process.stderr.columns } : {}),
  signal: controller.signal,
})
  .catch((error: unknown) => {
    process.stderr.write(`auth0-log-tools: ${errorMessage(error)}\n`);
    return 1;
  })
  .then((code) => {
    // exit once the output is flushed: idle keep-alive sockets must not hold the process open
    if (process.stdout.destroyed || process.stdout.writableEnded) process.exit(code);
    process.stdout.write('', () => process.exit(code));
  });
