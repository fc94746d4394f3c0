import { summarizeProfile, type CpuProfile } from './profile-summary';

const frame = (id: number, functionName: string, url: string, children: number[] = []) => ({ id, callFrame: { functionName, url }, children });

/** A stack root → node internals → pg → Node's writev, one through the AWS SDK, one of app code, idle and GC. */
const profile: CpuProfile = {
  nodes: [
    frame(1, '(root)', '', [2, 6, 8, 9, 10]),
    frame(2, 'processTicks', 'node:internal/process/task_queues', [3, 5]),
    frame(3, 'query', 'file:///work/main/node_modules/pg/lib/client.js', [4]),
    frame(4, 'writev', ''),
    frame(5, 'send', 'file:///work/main/node_modules/@smithy/core/dist-cjs/index.js'),
    frame(6, 'applySagaEvent', 'file:///work/main/services/orders/src/application/apply-saga-event.ts', [7]),
    frame(7, 'listOnTimeout', 'node:internal/timers'),
    frame(8, '(idle)', ''),
    frame(9, '(garbage collector)', ''),
    frame(10, 'onStreamRead', 'node:internal/stream_base_commons'),
  ],
  samples: [4, 4, 5, 7, 8, 8, 8, 9, 10, 4],
  timeDeltas: [1000, 1000, 1000, 1000, 5000, 5000, 5000, 1000, 1000, 1000],
};

describe('a CPU profile summary', () => {
  it('counts each busy sample for the first library up its stack, native writes included, and leaves idle out', () => {
    expect(summarizeProfile(profile)).toEqual({
      busyMs: 7,
      shares: [
        { where: 'pg', percent: 42.9 },
        { where: 'AWS SDK', percent: 14.3 },
        { where: 'service code', percent: 14.3 },
        { where: 'garbage collection', percent: 14.3 },
        { where: 'event loop and I/O', percent: 14.3 },
      ],
    });
  });
});
