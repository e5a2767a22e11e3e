/**
 * The dirwatch worker thread: a DirWatcher (dir-watcher.ts) in its own thread, so its event loop
 * keeps draining the kernel's inotify queue while the main thread is busy. Messages in and out
 * are protocol.ts's.
 */
// Again here: creating this thread's isolate puts V8's flags back to their defaults.
import '../shared/heap-tuning.js';
import { parentPort } from 'node:worker_threads';
import { DirWatcher } from './dir-watcher.js';
import type { ToWorker } from './protocol.js';

const port = parentPort!;
let watcher: DirWatcher | null = null;
port.on('message', (msg: ToWorker) => {
  if (msg.type !== 'roots') return void watcher?.onMessage(msg);
  watcher = new DirWatcher(msg.roots, (out) => port.postMessage(out), undefined, msg.final);
  void watcher.start();
});
