/** A header or other client-sent text cut to `max` characters; blank is none. */
export const clip = (value: string | undefined, max: number): string | undefined =>
  value === undefined || value === '' ? undefined : value.slice(0, max);
