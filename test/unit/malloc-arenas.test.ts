import { describe, expect, it } from 'vitest';
import { withMallocArenaCap } from '../../lib/malloc-arenas';

describe('the malloc arena cap of our processes', () => {
  it('is two unless the operator set one, and leaves the rest of the environment alone', () => {
    expect(withMallocArenaCap({ PORT: '3000' })).toEqual({ PORT: '3000', MALLOC_ARENA_MAX: '2' });
    expect(withMallocArenaCap({ MALLOC_ARENA_MAX: '4' }).MALLOC_ARENA_MAX).toBe('4');
    expect(withMallocArenaCap({ MALLOC_ARENA_MAX: '' }).MALLOC_ARENA_MAX).toBe('2');
  });
});
