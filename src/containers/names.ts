// Names for containers created without --name, in Docker's "adjective_scientist" shape.
import { randomInt } from 'node:crypto';

const ADJECTIVES = [
  'brave', 'calm', 'clever', 'dreamy', 'eager', 'fervent', 'gallant', 'happy', 'jolly', 'keen', 'lucid', 'merry',
  'nimble', 'optimistic', 'patient', 'quirky', 'relaxed', 'serene', 'sharp', 'stoic', 'tender', 'upbeat', 'vibrant',
  'wizardly', 'youthful', 'zealous', 'bold', 'cool', 'elated', 'focused', 'gracious', 'hopeful', 'inspiring', 'kind',
];

const SCIENTISTS = [
  'agnesi', 'babbage', 'curie', 'darwin', 'euler', 'faraday', 'gauss', 'hopper', 'hypatia', 'jemison', 'kepler',
  'lovelace', 'meitner', 'noether', 'ohm', 'pascal', 'ramanujan', 'shannon', 'tesla', 'turing', 'volta', 'wiles',
  'yalow', 'zuse', 'bohr', 'dijkstra', 'feynman', 'goodall', 'hamilton', 'kowalevski', 'lamarr', 'mirzakhani',
  'newton', 'pike', 'ritchie', 'sinoussi', 'thompson', 'wozniak', 'banach', 'cerf', 'elion', 'franklin',
];

/** A fresh name not in use (`taken` answers for the name with its leading slash). */
export function generateName(taken: (name: string) => boolean): string {
  for (let attempt = 0; ; attempt++) {
    const base = `${ADJECTIVES[randomInt(ADJECTIVES.length)]}_${SCIENTISTS[randomInt(SCIENTISTS.length)]}`;
    const name = attempt < 10 ? base : `${base}${randomInt(10)}`;
    if (!taken(`/${name}`)) return name;
  }
}
