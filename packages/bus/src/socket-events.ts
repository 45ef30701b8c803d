import type { Event, Observer } from "zeromq";

/**
 * Feeds a socket's monitor events to `onEvent` until the socket closes. zeromq.js's own
 * `observer.on()` leaves a rejected promise behind when the socket closes mid-read, which
 * a service treats as fatal; this loop ends quietly instead.
 */
export function watchSocketEvents(observer: Observer, onEvent: (event: Event) => void): void {
  void (async () => {
    try {
      for await (const event of observer) onEvent(event);
    } catch (error) {
      if (!observer.closed) throw error;
    }
  })();
}
