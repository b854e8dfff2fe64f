// The generator lives in core so trainers share it; re-exported here for serving's imports.
export { seededRandom, type RandomSource } from '../../core/random.js';
