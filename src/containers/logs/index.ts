// Container logs: conmon's k8s-file log read as Docker log lines (tail, since/until, follow across
// rotations), encoded for GET /containers/{id}/logs, and rotated by tugd under conmon.
export { formatTimestamp, parseRecord, parseTimestamp, type LogRecord, type LogStream } from './k8sfile.js';
export { readLogs, type LogMessage, type ReadLogsOptions } from './reader.js';
export { encodeLogMessage } from './encode.js';
export { CONMON_LOG_SIZE_MAX, DEFAULT_LOG_OPTS, LogRotator, parseLogOpts, rotateLog, type LogOpts } from './rotate.js';
export { assertReadable, logOptions, normalizeLogConfig, rotationOf, type LogDriver } from './config.js';
export { LogRotation } from './watch.js';
