/** Readable run names like MLflow's ("bold-fox-417") for runs created without one. */
import { randomInt } from 'node:crypto'

const ADJECTIVES = [
  'able', 'bold', 'brave', 'bright', 'calm', 'clever', 'crisp', 'daring', 'eager', 'fair', 'fast', 'gentle',
  'glad', 'grand', 'happy', 'keen', 'kind', 'lively', 'lucky', 'merry', 'neat', 'nimble', 'proud', 'quick',
  'quiet', 'rare', 'sharp', 'shy', 'silent', 'smart', 'steady', 'sunny', 'swift', 'tidy', 'vast', 'wise',
]
const NOUNS = [
  'ant', 'bass', 'bear', 'bee', 'cat', 'colt', 'crab', 'crow', 'deer', 'doe', 'dove', 'eel', 'elk', 'fawn',
  'finch', 'fox', 'frog', 'goat', 'hawk', 'hen', 'heron', 'jay', 'lark', 'lynx', 'mole', 'moth', 'newt', 'owl',
  'ox', 'ram', 'seal', 'shrew', 'snail', 'swan', 'toad', 'wasp', 'whale', 'wolf', 'wren', 'yak',
]

export function generateRunName(): string {
  return `${ADJECTIVES[randomInt(ADJECTIVES.length)]}-${NOUNS[randomInt(NOUNS.length)]}-${randomInt(1000)}`
}
