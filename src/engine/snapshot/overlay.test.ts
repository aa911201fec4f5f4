import { snapshotterSuite } from './testsuite.js';

// Skip list: none — the overlay snapshotter honours every case.
snapshotterSuite('overlay', { skip: {} });
