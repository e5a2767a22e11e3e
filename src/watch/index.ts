export { DirWatch } from './dirwatch.js';
export { compileFilter, type PathFilter } from './filter.js';
export { CanaryCheck } from './canary-check.js';
export type * from './types.js';
