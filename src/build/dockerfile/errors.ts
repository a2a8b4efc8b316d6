// A Dockerfile mistake, named by file and line before anything runs: `Dockerfile:3: unknown instruction: COPPY`.
import { InvalidParameterError } from '../../errors.js';

export class DockerfileError extends InvalidParameterError {
  constructor(readonly line: number, readonly detail: string, readonly file = 'Dockerfile') {
    super(`${file}:${line}: ${detail}`);
  }

  /** The same error named after another file (`-f build/app.Dockerfile`). */
  named(file: string): DockerfileError {
    return new DockerfileError(this.line, this.detail, file);
  }
}
