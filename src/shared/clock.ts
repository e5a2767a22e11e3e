/** Time source for edge code; the pure core takes `now` as a parameter instead. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
