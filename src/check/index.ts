// The linearizability checker's public surface: record a history, check it, draw it.

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
