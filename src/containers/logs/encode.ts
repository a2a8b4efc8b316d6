// What GET /containers/{id}/logs sends for a log line: stdcopy frames without a TTY, raw bytes with
// one, and with `timestamps` the line's time first, as dockerd's WriteLogStream does.
import { encodeFrames, StdStream } from '../../streams/stdcopy.js';
import { formatTimestamp } from './k8sfile.js';
import type { LogMessage } from './reader.js';

export function encodeLogMessage(msg: LogMessage, o: { tty: boolean; timestamps: boolean }): Buffer {
  const payload = o.timestamps ? Buffer.concat([Buffer.from(`${formatTimestamp(msg.timeNs)} `), msg.line]) : msg.line;
  if (o.tty) return payload;
  return encodeFrames(msg.stream === 'stdout' ? StdStream.Stdout : StdStream.Stderr, payload);
}
