// A thread of the volume store's race test (test/unit/volume.test.ts): waits for the start signal, then creates
// the volume and reports whether it was the one that made it.
import { parentPort, workerData } from 'node:worker_threads';
import { createVolume } from '../../lib/volume/store.ts';

parentPort!.postMessage('ready');
Atomics.wait(new Int32Array(workerData.sab), 0, 0);
parentPort!.postMessage(createVolume(workerData.root, 'shared').created);
