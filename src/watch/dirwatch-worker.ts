/**
 * The dirwatch worker thread: a DirWatcher (dir-watcher.ts) in its own thread, so its event loop
 * keeps draining the kernel's inotify queue while the main thread is busy. Messages in and out
 * are protocol.ts's.
 */
// Again here: creating this thread's isolate puts V8's flags back to their defaults.
import '../shared/heap-tuning.js';
import { parentPort, workerData } from 'node:worker_threads';
import { DirWatcher } from './dir-watcher.js';
import type { ToWorker } from './protocol.js';
import type { WatchRootSpec } from './types.js';

const port = parentPort!;
const watcher = new DirWatcher((workerData as { roots: WatchRootSpec[] }).roots, (msg) => port.postMessage(msg));
port.on('message', (msg: ToWorker) => watcher.onMessage(msg));
void watcher.start();
