import { randomInt } from 'node:crypto';

// Short memorable names for runs started without one, in the style MLflow users know.
const adjectives = [
  'amber',
  'bold',
  'brisk',
  'calm',
  'clever',
  'crisp',
  'eager',
  'gentle',
  'keen',
  'lucid',
  'merry',
  'nimble',
  'quiet',
  'rapid',
  'serene',
  'steady',
  'sunny',
  'swift',
  'tidy',
  'vivid',
];
const nouns = [
  'badger',
  'cedar',
  'comet',
  'falcon',
  'fern',
  'harbor',
  'heron',
  'lark',
  'maple',
  'meadow',
  'otter',
  'pine',
  'quartz',
  'raven',
  'river',
  'sparrow',
  'tiger',
  'willow',
  'wolf',
  'zephyr',
];

export function generateRunName(): string {
  return `${adjectives[randomInt(adjectives.length)]}-${nouns[randomInt(nouns.length)]}-${randomInt(1000)}`;
}
