export { FailLogStore } from './store.js';
export { encodeEntry, encodeFailLog, parseFailLog, mergeRecord, type FailRecord, type ParsedFailLog } from './record.js';
