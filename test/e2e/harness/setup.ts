/**
 * Vitest setup for e2e files: delete this file's temporary profiles, certificates and sites once its tests
 * are done. (Vitest ends its workers without a normal process exit, so `tmp.ts`'s exit hook alone is not
 * enough.)
 */
import { afterAll } from 'vitest';
import { removeTempDirs } from './tmp.js';

afterAll(() => {
  removeTempDirs();
});
