import { describe, expect, it } from 'vitest';
import { isIsoDate, ruDateToIso } from './normalize.ts';

/** The reference: what `Date` makes of the text, read back. */
const viaDate = (text: string) => {
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
};

describe('isIsoDate', () => {
  it('agrees with Date on every day-of-month 00..32 of every month 00..13 across leap rules', () => {
    const pad = (n: number, w: number) => String(n).padStart(w, '0');
    for (const year of [0, 4, 100, 1600, 1900, 1999, 2000, 2023, 2024, 2100, 2400, 9999]) {
      for (let month = 0; month <= 13; month++) {
        for (let day = 0; day <= 32; day++) {
          const text = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
          expect(isIsoDate(text), text).toBe(viaDate(text));
        }
      }
    }
  });

  it('refuses other writings', () => {
    for (const text of ['2024-1-05', '24-01-05', '2024/01/05', ' 2024-01-05', '2024-01-05T00:00', '2024-01-5', '', '2024-02-30', '2023-02-29']) {
      expect(isIsoDate(text), text).toBe(false);
    }
    expect(isIsoDate('2024-02-29')).toBe(true);
    expect(ruDateToIso('29.02.2024')).toBe('2024-02-29');
    expect(ruDateToIso('29.02.2023')).toBeUndefined();
  });
});
