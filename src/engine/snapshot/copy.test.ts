import { snapshotterSuite } from './testsuite.js';

// Skip list: none — the copy snapshotter honours every case.
snapshotterSuite('copy', { skip: {} });
