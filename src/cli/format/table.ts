// docker/cli's --format handling for listing commands: "table …" gets a header row and
// aligned columns, "json" is one JSON object per line, anything else is a template per row.

import { TEMPLATE_ERROR_CODE, TugError, isTugError } from '../../errors.js';
import { markAsGoMap, markAsGoStruct } from './gojson.js';
import { tabwrite } from './tabwriter.js';
import { parseTemplate, type Template } from './template.js';
import { TemplateExecError } from './template-exec.js';
import { headerFuncs } from './template-funcs.js';

export const TABLE_FORMAT_KEY = 'table';
export const JSON_FORMAT_KEY = 'json';
export const JSON_FORMAT = '{{json .}}';

export function isTableFormat(format: string): boolean {
  return format.startsWith(TABLE_FORMAT_KEY);
}

/**
 * The template text docker runs for a --format value: "json" is `{{json .}}`, a "table"
 * prefix and surrounding spaces go, and the two-character sequences \t and \n become a tab
 * and a newline (even inside quoted strings, as docker does).
 */
export function templateText(format: string): string {
  if (format === TABLE_FORMAT_KEY) return '';
  if (format === JSON_FORMAT_KEY) return JSON_FORMAT;
  let out = isTableFormat(format) ? format.slice(TABLE_FORMAT_KEY.length) : format;
  out = out.replace(/^ +| +$/g, '');
  return out.replace(/\\([tn])/g, (_, c: string) => (c === 't' ? '\t' : '\n'));
}

function wrap(err: unknown): never {
  if (isTugError(err, 'InvalidParameter')) throw new TugError('InvalidParameter', `template parsing error: ${err.message}`, TEMPLATE_ERROR_CODE, { cause: err });
  throw err;
}

export interface RenderOptions {
  /** Used when the format is '' or a bare 'table', as each docker command has its own. */
  defaultFormat?: string;
  /**
   * The Go type of docker's row context (`*formatter.imageContext`): a field the rows lack is
   * then an error naming it, as with docker, instead of "<no value>".
   */
  context?: string;
}

/**
 * Renders rows as `docker … --format` does. `headers` maps a field to its column title
 * ({ ID: 'IMAGE ID' }); rows are read as Go maps, so `{{json .}}` sorts their keys.
 */
export function render(format: string, rows: readonly object[], headers: Record<string, string>, opts: RenderOptions = {}): string {
  if ((format === '' || format === TABLE_FORMAT_KEY) && opts.defaultFormat !== undefined) format = opts.defaultFormat;
  let tmpl: Template;
  try {
    tmpl = parseTemplate(templateText(format));
  } catch (err) {
    wrap(err);
  }
  let body = '';
  for (const row of rows) {
    try {
      body += tmpl.execute(opts.context ? markAsGoStruct(row, opts.context) : markAsGoMap(row)) + '\n';
    } catch (err) {
      wrap(err);
    }
  }
  if (!isTableFormat(format)) return body;
  let header: string;
  try {
    header = tmpl.execute(headers, headerFuncs);
  } catch (err) {
    // docker ignores a failing header and keeps what was written before the failure.
    if (!(err instanceof TemplateExecError)) throw err;
    header = err.output;
  }
  return tabwrite(`${header}\n${body}`);
}
