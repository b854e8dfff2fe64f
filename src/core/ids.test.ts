import { describe, expect, it } from 'vitest';
import { newId } from './ids.js';

describe('newId', () => {
  it('gives the prefix and 24 hex digits, never the same id twice across pool refills', () => {
    const ids = Array.from({ length: 2000 }, () => newId('pred'));
    for (const id of ids) expect(id).toMatch(/^pred_[0-9a-f]{24}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
