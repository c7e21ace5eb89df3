// Prints one plain closing line, `jest: N passed, N failed, N skipped`, after the whole run, so
// that a reader (or CI) does not have to parse jest's own summary.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    process.stdout.write(
      `jest: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${results.numPendingTests} skipped\n`,
    );
  }
}

module.exports = SummaryReporter;
