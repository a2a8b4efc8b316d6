// What the image and volume services need to know about containers: which use an image or a
// volume, and which layers their rootfs stands on (never garbage-collected while a container exists).
import type { ImageUsers } from '../images/service.js';
import { volumeNames, type VolumeUsers } from '../volumes/index.js';
import type { ContainerStore } from './store.js';

export function imageUsers(store: ContainerStore): ImageUsers {
  const using = (imageID: string) => store.all().filter((c) => c.Image === imageID);
  return {
    running: (imageID) => using(imageID).find((c) => c.State.Running)?.ID,
    stopped: (imageID) => using(imageID).find((c) => !c.State.Running)?.ID,
    count: (imageID) => using(imageID).length,
    layersInUse: () => new Set(store.all().flatMap((c) => c.Layers)),
  };
}

/** What the volume service needs to know: which containers mount a volume, and which run. */
export function volumeUsers(store: ContainerStore): VolumeUsers {
  const using = (name: string) => store.all().filter((c) => volumeNames(c.MountPoints).includes(name));
  return {
    containers: (name) => using(name).map((c) => c.ID),
    running: (name) => using(name).filter((c) => c.State.Running).map((c) => c.ID),
  };
}
