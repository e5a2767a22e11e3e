export { loadConfig, type LoadOptions, type LoadResult } from './load.js';
export { normalise, DEFAULT_DEBOUNCE, DEFAULT_TOGGLES } from './normalise.js';
export { parseXml, decodeXmlBytes } from './xml.js';
export * from './types.js';
