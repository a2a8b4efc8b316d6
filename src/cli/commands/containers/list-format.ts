// docker/cli's ContainerContext as plain rows: the columns of `docker ps` (ID, IMAGE, COMMAND,
// CREATED, STATUS, PORTS, NAMES, SIZE…) with its truncation rules, and the format it picks.
import type { ContainerSummary, PortSummary } from '../../../types/container-views.js';
import { familiarString, parseNormalizedNamed, trimNamed, withTag } from '../../../reference/index.js';
import { goQuote } from '../../format/gofmt.js';
import { markAsGoMap } from '../../format/gojson.js';
import { displayWidth } from '../../format/tabwriter.js';
import { humanSizeWithPrecision, timeAgo } from '../../format/units.js';
import { goTime } from '../images.js';

export const DEFAULT_CONTAINER_TABLE_FORMAT = 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';
const RAW_FORMAT = `container_id: {{.ID}}
image: {{.Image}}
command: {{.Command}}
created_at: {{.CreatedAt}}
state: {{- pad .State 1 0}}
status: {{- pad .Status 1 0}}
names: {{.Names}}
labels: {{- pad .Labels 1 0}}
ports: {{- pad .Ports 1 0}}
`;

export const CONTAINER_HEADERS: Record<string, string> = {
  ID: 'CONTAINER ID', Names: 'NAMES', Image: 'IMAGE', Command: 'COMMAND', CreatedAt: 'CREATED AT', RunningFor: 'CREATED',
  Ports: 'PORTS', State: 'STATE', Status: 'STATUS', Size: 'SIZE', Labels: 'LABELS', Mounts: 'MOUNTS',
  LocalVolumes: 'LOCAL VOLUMES', Networks: 'NETWORKS', Platform: 'PLATFORM',
};

/** stringid.TruncateID: what follows an algorithm prefix, cut to 12 characters. */
export function truncateID(id: string): string {
  const colon = id.indexOf(':');
  const hex = colon >= 0 ? id.slice(colon + 1) : id;
  return hex.length > 12 ? hex.slice(0, 12) : hex;
}

/** formatter.Ellipsis: fits `s` in `max` terminal cells, ending in "…" when it had to cut. */
export function ellipsis(s: string, max: number): string {
  if (max <= 0) return '';
  const runes = Array.from(s);
  if (max === 1) return runes[0] ?? '';
  if (Buffer.byteLength(s) === runes.length) return runes.length <= max ? s : `${runes.slice(0, max - 1).join('')}…`;
  const ends: number[] = [];
  let width = 0;
  for (const r of runes) {
    width += displayWidth(r) === 2 ? 2 : 1;
    ends.push(width);
  }
  if (width <= max) return s;
  for (let i = 0; i < ends.length - 1; i++) {
    if (ends[i]! <= max - 1 && ends[i + 1]! > max - 1) return `${runes.slice(0, i + 1).join('')}…`;
  }
  return s;
}

function joinHostPort(host: string, port: string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function formGroup(key: string, first: number, last: number): string {
  const parts = key.split('/');
  const [ip, type] = parts.length > 1 ? [parts[0]!, parts[1]!] : ['', parts[0]!];
  let group = first === last ? String(first) : `${first}-${last}`;
  if (ip) group = `${joinHostPort(ip, group)}->${group}`;
  return `${group}/${type}`;
}

/** DisplayablePorts: consecutive ports grouped ("8000-8002/tcp"), host mappings last. */
export function displayablePorts(ports: readonly PortSummary[] | null | undefined): string {
  const sorted = [...(ports ?? [])].sort((a, b) => (a.PrivatePort - b.PrivatePort)
    || ((a.IP ?? '') < (b.IP ?? '') ? -1 : (a.IP ?? '') > (b.IP ?? '') ? 1 : 0)
    || ((a.PublicPort ?? 0) - (b.PublicPort ?? 0))
    || (a.Type < b.Type ? -1 : a.Type > b.Type ? 1 : 0));
  const groups = new Map<string, { first: number; last: number }>();
  const result: string[] = [];
  const hostMappings: string[] = [];
  for (const p of sorted) {
    const current = p.PrivatePort;
    let key = p.Type;
    if (p.IP) {
      if ((p.PublicPort ?? 0) !== current) {
        hostMappings.push(`${joinHostPort(p.IP, String(p.PublicPort ?? 0))}->${p.PrivatePort}/${p.Type}`);
        continue;
      }
      key = `${p.IP}/${p.Type}`;
    }
    const group = groups.get(key);
    if (!group) {
      groups.set(key, { first: current, last: current });
      continue;
    }
    if (current === group.last + 1) {
      group.last = current;
      continue;
    }
    result.push(formGroup(key, group.first, group.last));
    groups.set(key, { first: current, last: current });
  }
  for (const [key, g] of groups) result.push(formGroup(key, g.first, g.last));
  return [...result, ...hostMappings].join(', ');
}

/** The IMAGE column: an ID shortened, a name made familiar without its digest. */
export function imageColumn(image: string, imageID: string, trunc: boolean): string {
  if (image === '') return '<no image>';
  if (!trunc) return image;
  if (truncateID(imageID) === truncateID(image)) return truncateID(image);
  try {
    const ref = parseNormalizedNamed(image);
    return familiarString(ref.tag !== undefined ? withTag(trimNamed(ref), ref.tag) : trimNamed(ref));
  } catch {
    return image;
  }
}

/** The SIZE column: "2B (virtual 21.5MB)", the virtual part only when known. */
export function sizeColumn(sizeRw = 0, sizeRootFs = 0): string {
  const rw = humanSizeWithPrecision(sizeRw, 3);
  return sizeRootFs > 0 ? `${rw} (virtual ${humanSizeWithPrecision(sizeRootFs, 3)})` : rw;
}

export interface ContainerRow {
  ID: string;
  Names: string;
  Image: string;
  Command: string;
  CreatedAt: string;
  RunningFor: string;
  Ports: string;
  State: string;
  Status: string;
  Size: string;
  Labels: string;
  Mounts: string;
  LocalVolumes: string;
  Networks: string;
  Platform: string | null;
  /** `{{.Label "com.example.x"}}`; a method, so `{{json .}}` leaves it out as docker does. */
  Label: (name: string) => string;
}

function namesColumn(names: readonly string[], trunc: boolean): string {
  const stripped = names.map((n) => n.slice(1));
  if (trunc) {
    const primary = stripped.find((n) => !n.includes('/'));
    if (primary !== undefined) return primary;
  }
  return stripped.join(',');
}

/** One `docker ps` row; `trunc` is the default (no --no-trunc). */
export function containerRow(c: ContainerSummary, trunc: boolean, now = Date.now()): ContainerRow {
  const labels = c.Labels ?? {};
  const platform = c.ImageManifestDescriptor?.platform;
  const row: ContainerRow = {
    ID: trunc ? truncateID(c.Id) : c.Id,
    Names: namesColumn(c.Names ?? [], trunc),
    Image: imageColumn(c.Image, c.ImageID, trunc),
    Command: goQuote(trunc ? ellipsis(c.Command, 20) : c.Command),
    CreatedAt: goTime(c.Created),
    RunningFor: timeAgo(c.Created * 1000, now),
    Ports: displayablePorts(c.Ports),
    State: c.State,
    Status: c.Status,
    Size: sizeColumn(c.SizeRw, c.SizeRootFs),
    Labels: Object.entries(labels).map(([k, v]) => `${k}=${v}`).sort().join(','),
    Mounts: (c.Mounts ?? []).map((m) => (trunc ? ellipsis(m.Name || m.Source || '', 15) : m.Name || m.Source || '')).join(','),
    LocalVolumes: String((c.Mounts ?? []).filter((m) => m.Driver === 'local').length),
    Networks: Object.keys(c.NetworkSettings?.Networks ?? {}).join(','),
    Platform: platform ? [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/') : null,
    Label: (name: string) => labels[name] ?? '',
  };
  return markAsGoMap(row);
}

/** NewContainerFormat: the template `docker ps` runs for a --format value. */
export function containerFormat(source: string, quiet: boolean, size: boolean): string {
  if (source === '' || source === 'table') {
    if (quiet) return '{{.ID}}';
    return size ? `${DEFAULT_CONTAINER_TABLE_FORMAT}\\t{{.Size}}` : DEFAULT_CONTAINER_TABLE_FORMAT;
  }
  if (source === 'raw') {
    if (quiet) return 'container_id: {{.ID}}';
    return size ? `${RAW_FORMAT}size: {{.Size}}\\n` : RAW_FORMAT;
  }
  return quiet ? '{{.ID}}' : source;
}
