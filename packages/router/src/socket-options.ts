import type { XPublisher, XSubscriber } from "zeromq";

/**
 * Bytes an I/O thread reads or encodes at a time (libzmq's default: 8 KiB). With 64 KiB,
 * reading publishers and writing to subscribers cost fewer system calls in a burst, and
 * delivery keeps pace with what forwarding takes in; a lone message still goes at once.
 */
const BATCH_BYTES = 64 * 1024;
export const ZMQ_IN_BATCH_SIZE = 101;
export const ZMQ_OUT_BATCH_SIZE = 102;

/**
 * ZMQ_IN/OUT_BATCH_SIZE are libzmq 4.3 draft options. zeromq.js is built with draft
 * options but has no properties for these, so they go through the generic setter the
 * properties use; without that setter the defaults stay.
 */
export function setBatchSize(socket: XPublisher | XSubscriber, option: number): void {
  const generic = socket as unknown as { setInt32Option?: (option: number, value: number) => void };
  generic.setInt32Option?.(option, BATCH_BYTES);
}

/** Bit masks of the context's three I/O threads (ZMQ_AFFINITY). */
export const IO_THREAD = { publishers: 1, subscribers: 2, tap: 4 } as const;
