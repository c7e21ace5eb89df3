export { SlackReporter, SLACK_REPORTER_DEFAULTS } from './slack';
export type { SlackMessage, SlackReporterOptions } from './slack';
