// What GET /containers/{id}/logs sends for a log line: stdcopy frames without a TTY, raw bytes with
// one; with `details` the line's attributes first, and with `timestamps` the line's time before
// those, as dockerd's logstream.Write does.
import { encodeFrames, StdStream } from '../../streams/stdcopy.js';
import { detailsPrefix } from './attrs.js';
import { formatTimestamp } from './k8sfile.js';
import type { LogMessage } from './reader.js';

export function encodeLogMessage(msg: LogMessage, o: { tty: boolean; timestamps: boolean; details?: boolean }): Buffer {
  const head = `${o.timestamps ? `${formatTimestamp(msg.timeNs)} ` : ''}${o.details ? detailsPrefix(msg.attrs) : ''}`;
  const payload = head ? Buffer.concat([Buffer.from(head), msg.line]) : msg.line;
  if (o.tty) return payload;
  return encodeFrames(msg.stream === 'stdout' ? StdStream.Stdout : StdStream.Stderr, payload);
}
