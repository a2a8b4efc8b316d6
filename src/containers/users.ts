// What the image service needs to know about containers: which use an image, and which
// layers their rootfs stands on (never garbage-collected while a container exists).
import type { ImageUsers } from '../images/service.js';
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
