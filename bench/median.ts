/** The middle value (the upper one of an even count); NaN for none. Every bench reports medians of its runs. */
export const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? Number.NaN;
