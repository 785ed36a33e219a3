import type { MessageType, PayloadOf, ReplyOf } from '../lib/messages';

/** How components talk to the background: a typed `send`, injected so tests can supply a fake. */
export type Send = <T extends MessageType>(type: T, payload: PayloadOf<T>) => Promise<ReplyOf<T>>;
