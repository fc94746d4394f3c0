export { ApiClient, cards, freshIsbn, type Reply } from './api-client';
export { TcpProxy } from './tcp-proxy';
export { checkInvariants, type InvariantInput, type InvariantResult } from './invariants';
