// The records the volume service keeps: a volume's metadata (volume.json beside its _data) and
// a container's mount points (kept in its config.v2.json, as dockerd's MountPoints).
import type { Mount } from '../types/container.js';

/** dockerd labels the volumes it makes for a container's anonymous mounts with this. */
export const ANONYMOUS_LABEL = 'com.docker.volume.anonymous';

export interface VolumeRecord {
  Name: string;
  Driver: 'local';
  /** RFC 3339, seconds, as dockerd reports CreatedAt. */
  CreatedAt: string;
  /** null when created without labels (as dockerd shows a volume made by `run -v`). */
  Labels: Record<string, string> | null;
  /** The local driver's options (type, device, o); null when none were given. */
  Options: Record<string, string> | null;
}

/** The `Volume` object of the Engine API. */
export interface VolumeView {
  CreatedAt: string;
  Driver: string;
  Labels: Record<string, string> | null;
  Mountpoint: string;
  Name: string;
  Options: Record<string, string> | null;
  Scope: 'local';
  UsageData?: { RefCount: number; Size: number };
}

/** One mount of a container, resolved at create: where it comes from and how it is mounted. */
export interface MountPointRecord {
  Type: 'bind' | 'volume' | 'tmpfs';
  /** The volume's name (volumes only). */
  Name?: string;
  /** Host path: the bind source, or the volume's _data directory. */
  Source: string;
  Destination: string;
  Driver?: string;
  /** The mode text of a `-v` spec ("ro", "z", …); empty for --mount and image volumes. */
  Mode: string;
  RW: boolean;
  Propagation: string;
  /** Fill an empty volume from the image's content at Destination on first use. */
  CopyData?: boolean;
  /** --mount binds must exist; -v binds are created when missing. */
  RequireSource?: boolean;
  /** The --mount spec it came from (tmpfs options, non-recursive binds, subpaths). */
  Spec?: Mount;
}
