// Container logs: conmon's k8s-file journal shipped by tugd into Docker's json-file log, either read
// as Docker log lines (tail, since/until, follow across rotations), encoded for GET /containers/{id}/logs.
export { formatTimestamp, parseRecord, parseTimestamp, type LogRecord, type LogStream } from './k8sfile.js';
export { readLogs, type LogMessage, type ReadLogsOptions } from './reader.js';
export { encodeLogMessage } from './encode.js';
export { CONMON_LOG_SIZE_MAX, DEFAULT_LOG_OPTS, LogRotator, parseLogOpts, rotateLog, type LogOpts } from './rotate.js';
export { assertReadable, entryAttrs, logOptions, normalizeLogConfig, rotationOf, type LogDriver } from './config.js';
export { LogRotation } from './watch.js';
export { formatEntry, isJSONLog, parseEntry } from './jsonfile.js';
export { LogShipping } from './shipping.js';
export { JOURNAL_MAX, LogShipper, dropJournal, type ShipperPaths } from './shipper.js';
