import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { withMallocSettings } from '../../config/malloc-settings';

// A card's pixel buffers are megabytes each, of varying size. This child frees twenty of them and
// reports how much the main malloc heap ([heap] in smaps) kept, in KiB.
const FREE_LARGE_BUFFERS = `
const { readFileSync } = require('node:fs');
const heapKb = () => {
  const smaps = readFileSync('/proc/self/smaps', 'utf8');
  const at = smaps.indexOf('[heap]');
  return at < 0 ? 0 : Number(/Rss:\\s+(\\d+)/.exec(smaps.slice(at))[1]);
};
const before = heapKb();
for (let i = 0; i < 20; i++) {
  let pixels = Buffer.alloc((6 << 20) - i * 65536, 1);
  pixels = null;
  globalThis.gc();
}
process.stdout.write(String(heapKb() - before));
`;

function heapKeptKb(env: NodeJS.ProcessEnv): number {
  const out = execFileSync(process.execPath, ['--expose-gc', '-e', FREE_LARGE_BUFFERS], { env });
  return Number(out.toString());
}

describe('the malloc settings of our processes', () => {
  it('are two arenas and a fixed mmap threshold unless the operator set them', () => {
    expect(withMallocSettings({ PORT: '3000' })).toEqual({
      PORT: '3000',
      MALLOC_ARENA_MAX: '2',
      MALLOC_MMAP_THRESHOLD_: '131072',
    });
    const own = withMallocSettings({ MALLOC_ARENA_MAX: '4', MALLOC_MMAP_THRESHOLD_: '65536' });
    expect(own).toMatchObject({ MALLOC_ARENA_MAX: '4', MALLOC_MMAP_THRESHOLD_: '65536' });
    expect(withMallocSettings({ MALLOC_ARENA_MAX: '' }).MALLOC_ARENA_MAX).toBe('2');
  });

  it('give freed pixel buffers back to the system instead of keeping them in the heap', () => {
    const { MALLOC_ARENA_MAX: _a, MALLOC_MMAP_THRESHOLD_: _t, ...bare } = process.env;
    // glibc's default: after the first free, megabyte buffers come from the heap, which keeps them.
    expect(heapKeptKb(bare)).toBeGreaterThan(4096);
    expect(heapKeptKb(withMallocSettings(bare))).toBeLessThan(1024);
  });
});
