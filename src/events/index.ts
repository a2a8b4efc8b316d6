// Events: what the engine announces (container, image, volume, … actions) and how readers of
// GET /events get them back: a bus with a replay ring, Docker's filters, Docker's wire form.
export { EVENTS_LIMIT, EventBus, EventSubscription, SUBSCRIBER_QUEUE, type BusOptions, type EventPublisher, type SubscribeOptions } from './bus.js';
export { compileEventFilter, type EventFilters, type EventPredicate } from './filter.js';
export {
  IMAGE_CREATE_ADDED_IN, LEGACY_FIELDS_REMOVED_IN, encodeEvent, legacyFields, parseEventLine, sortedKeys,
  type Actor, type EventMessage, type EventScope, type EventType,
} from './message.js';
export { parseEventWindow, parseUnixTimestamp, type EventWindow } from './query.js';

/** A publisher that drops everything, for services used without a daemon (tests, tools). */
export const noEvents = { publish: (): void => undefined };
