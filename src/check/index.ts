// The checkers' public surface: record a history, check it for linearizability, draw it; and check
// what change-feed watchers received against it (checkFeed).

export type {
  CheckFailure,
  CheckOptions,
  CheckResult,
  CheckStats,
  KeyResult,
  Operation,
  OperationInput,
  OperationKind,
  OperationStatus,
  OutputByKind,
  Value,
  Verdict,
} from './history.js';
export { checkHistory, checkWindow, MEMORY_BYTES_MAX_DEFAULT, STATES_MAX_DEFAULT } from './checker.js';
export { renderKeyTimeline, renderReport, type RenderOptions } from './render.js';
export { HistoryRecorder, type OkArguments, type PendingOperation } from './recorder.js';
export { describeOperation } from './describe.js';
export { validateHistory } from './validate.js';
export { checkFeed, type FeedCheckInput, type FeedCheckResult, type WatcherVerdict } from './feed-checker.js';
export { parseFeedId, formatFeedId, compareFeedIds, type FeedEvent, type FeedId } from './feed.js';
export type { WatcherRecord } from './feed-sequence.js';
export type { AckAudit } from './feed-acks.js';
