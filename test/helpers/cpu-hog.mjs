// A CPU hog inside the generator process (loaded with NODE_OPTIONS=--import): every 150 ms it keeps the main
// thread's event loop busy for 120 ms, so the load generator is saturated by construction, not by luck.
// Only in loadgate's own CLI process: not in the mock child, not in worker threads.
import { isMainThread } from 'node:worker_threads';

if (isMainThread && /cli\.[tj]s$/.test(process.argv[1] ?? '')) {
  const timer = setInterval(() => {
    const until = performance.now() + 120;
    while (performance.now() < until) {
      // busy
    }
  }, 150);
  timer.unref();
}
