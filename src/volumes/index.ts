// Volumes: named and anonymous volumes under <data-root>/volumes, the local driver's options,
// and a container's mount points (resolved at create, made ready at start).
export { VolumeService, type VolumeCreateBody, type VolumeUsers } from './service.js';
export { VolumeStore } from './store.js';
export { resolveMountPoints, volumeNames, parseVolumesFrom, type MountSources } from './mountpoints.js';
export { setupMounts, releaseMounts } from './setup.js';
export { checkVolumeName } from './names.js';
export { ANONYMOUS_LABEL, type MountPointRecord, type VolumeRecord, type VolumeView } from './types.js';
