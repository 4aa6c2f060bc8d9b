import { parseEventTime } from '../../timeline';
import { cutAtWholeDays, wholeDayCount } from '../whole-days';

const at = (text: string) => parseEventTime(text);

describe('a period cut at whole UTC days', () => {
  it('reads a period of whole days from the rollups alone', () => {
    const cut = cutAtWholeDays({ from: at('2026-11-23T00:00:00Z'), to: at('2026-11-30T00:00:00Z') });
    expect(cut).toEqual({ fromDay: '2026-11-23', toDay: '2026-11-30', headTo: at('2026-11-23T00:00:00Z'), tailFrom: at('2026-11-30T00:00:00Z') });
    expect(wholeDayCount(cut)).toBe(7);
  });

  it('leaves the partial days at both ends to the raw rows', () => {
    const cut = cutAtWholeDays({ from: at('2026-11-23T08:00:00+01:00'), to: at('2026-11-30T12:00:00Z') });
    expect(cut).toEqual({ fromDay: '2026-11-24', toDay: '2026-11-30', headTo: at('2026-11-24T00:00:00Z'), tailFrom: at('2026-11-30T00:00:00Z') });
    expect(wholeDayCount(cut)).toBe(6);
  });

  it('has no whole day in a period shorter than one, or across one midnight', () => {
    for (const [from, to] of [
      ['2026-11-23T01:00:00Z', '2026-11-23T23:00:00Z'],
      ['2026-11-23T12:00:00Z', '2026-11-24T12:00:00Z'],
    ] as const) {
      const cut = cutAtWholeDays({ from: at(from), to: at(to) });
      expect([wholeDayCount(cut), cut.headTo, cut.tailFrom]).toEqual([0, at(to), at(to)]);
    }
  });

  it('cuts days before 1970 alike', () => {
    expect(cutAtWholeDays({ from: at('1931-05-01T06:00:00Z'), to: at('1931-05-03T06:00:00Z') })).toMatchObject({ fromDay: '1931-05-02', toDay: '1931-05-03' });
  });
});
