// Each test file gets a home folder of its own: a run without --state keeps its state in the
// per-user state folder (~/.local/state/auth0-log-tools), which must never be the real user's.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

process.env.HOME = fs.mkdtempSync(path.join(os.tmpdir(), 'auth0-log-tools-home-'));
delete process.env.XDG_STATE_HOME;
