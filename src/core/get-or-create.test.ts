import { describe, expect, it } from 'vitest';
import { alreadyExists, getOrCreate, MloopError, notFound } from './errors.js';

describe('getOrCreate', () => {
  it('answers what exists without creating', async () => {
    let created = 0;
    const value = await getOrCreate(
      async () => 'found',
      async () => `created ${++created}`,
    );
    expect(value).toBe('found');
    expect(created).toBe(0);
  });

  it('creates what does not exist', async () => {
    expect(
      await getOrCreate(
        async () => {
          throw notFound('none');
        },
        async () => 'created',
      ),
    ).toBe('created');
  });

  it('answers the winner when another process created it first, however the loss surfaces', async () => {
    for (const loss of [
      alreadyExists('taken'),
      new Error('duplicate key value violates unique constraint'),
    ]) {
      let exists = false;
      const value = await getOrCreate(
        async () => {
          if (!exists) throw notFound('none');
          return 'theirs';
        },
        async () => {
          exists = true; // the other process's insert landed first
          throw loss;
        },
      );
      expect(value).toBe('theirs');
    }
  });

  it("throws create's error when there is still nothing to get, and get's other errors as they are", async () => {
    const refused = new MloopError('INVALID_PARAMETER_VALUE', 'bad name', 'name');
    await expect(
      getOrCreate(
        async () => {
          throw notFound('none');
        },
        async () => {
          throw refused;
        },
      ),
    ).rejects.toBe(refused);
    const down = new Error('connection refused');
    let created = false;
    await expect(
      getOrCreate(
        async () => {
          throw down;
        },
        async () => {
          created = true;
          return 'x';
        },
      ),
    ).rejects.toBe(down);
    expect(created).toBe(false);
  });
});
