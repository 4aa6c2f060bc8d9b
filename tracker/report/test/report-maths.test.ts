import { ValidationError } from '../../../common';
import { loadModelFile, DEMO_MODEL_PATH } from '../../../events';
import { model } from '../../test/fixtures';
import { parseEventTime } from '../../timeline';
import {
  binPosition,
  camelKeys,
  countTicks,
  daysOf,
  defaultPeriod,
  describePeriod,
  durationTicks,
  highlights,
  histogram,
  MAX_PERIOD_DAYS,
  mondayOf,
  parsePeriod,
  reportFileName,
  reportStates,
  snakeKeys,
  toCsv,
  weekOf,
  type LeadTimeBin,
} from '..';

describe('CSV (RFC 4180)', () => {
  it('ends every record with CRLF and leaves plain fields unquoted', () => {
    expect(toCsv(['a', 'b'], [['x', 1], ['y', 2.5]])).toBe('a,b\r\nx,1\r\ny,2.5\r\n');
  });

  it('quotes fields with a comma, a double quote, CR or LF, and doubles the quotes inside', () => {
    const csv = toCsv(['operator_id', 'orders'], [['op "the fast", north', 3], ['line\nbreak', 1], ['carriage\rreturn', 2], ['"', 0]]);
    expect(csv).toBe('operator_id,orders\r\n"op ""the fast"", north",3\r\n"line\nbreak",1\r\n"carriage\rreturn",2\r\n"""",0\r\n');
  });

  it('writes unknown values as empty fields and numbers in plain decimal, to the microsecond', () => {
    expect(toCsv(['p50', 'share', 'tiny', 'big'], [[null, 0.1 + 0.2, 0.0000001, 1e20]])).toBe('p50,share,tiny,big\r\n,0.3,0,100000000000000000000\r\n');
  });

  it('puts a quote before text a spreadsheet would run as a formula, then quotes the field as usual', () => {
    const cells = ['=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", '-2+3+cmd', '+1', '@SUM(1+1)', '\t=1+1', '\r=1+1', '=1,2'];
    expect(toCsv(['segment'], cells.map((c) => [c]))).toBe(
      [
        'segment',
        `"'=HYPERLINK(""http://x"",""y"")"`,
        "'=cmd|' /C calc'!A0",
        "'-2+3+cmd",
        "'+1",
        "'@SUM(1+1)",
        "'\t=1+1",
        `"'\r=1+1"`,
        `"'=1,2"`,
        '',
      ].join('\r\n'),
    );
  });

  it('leaves numbers, negative ones too, and text that only holds a formula character later as they are', () => {
    expect(toCsv(['a', 'b', 'c', 'd'], [[-2, -0.5, 'b2b', 'op=1']])).toBe('a,b,c,d\r\n-2,-0.5,b2b,op=1\r\n');
  });
});

describe('the report period', () => {
  const now = parseEventTime('2026-11-26T10:30:00Z');

  it('defaults to the last 7 days until now', () => {
    expect(parsePeriod({}, now)).toEqual({ from: parseEventTime('2026-11-19T10:30:00Z'), to: now });
    expect(parsePeriod({ from: '2026-11-23' }, now)).toEqual({ from: parseEventTime('2026-11-23T00:00:00Z'), to: now });
    expect(parsePeriod({ to: '2026-11-22' }, now)).toEqual({ from: parseEventTime('2026-11-16T00:00:00Z'), to: parseEventTime('2026-11-23T00:00:00Z') });
  });

  it('reads a date as a whole UTC day: to=Sunday includes Sunday', () => {
    expect(parsePeriod({ from: '2026-11-23', to: '2026-11-29' }, now)).toEqual({ from: parseEventTime('2026-11-23T00:00:00Z'), to: parseEventTime('2026-11-30T00:00:00Z') });
  });

  it('reads RFC 3339 times with their offset, exclusive at the end', () => {
    expect(parsePeriod({ from: '2026-11-23T08:00:00+01:00', to: '2026-11-23T18:00:00.5Z' }, now)).toEqual({
      from: parseEventTime('2026-11-23T07:00:00Z'),
      to: parseEventTime('2026-11-23T18:00:00.500Z'),
    });
  });

  it('refuses what it cannot read, saying what to write instead', () => {
    expect(() => parsePeriod({ from: '23/11/2026' }, now)).toThrow('from: "23/11/2026" is not a date (2026-11-23) or an RFC 3339 time with an offset (2026-11-23T08:00:00Z)');
    expect(() => parsePeriod({ to: '2026-13-01' }, now)).toThrow('to: "2026-13-01" is not a date of the calendar');
    expect(() => parsePeriod({ from: '2026-11-23T10:00:00' }, now)).toThrow('from: "2026-11-23T10:00:00" is not a date');
    expect(() => parsePeriod({ from: '2026-11-30' }, now)).toThrow('from (2026-11-30T00:00:00.000Z) must be before to (2026-11-26T10:30:00.000Z)');
  });

  it('covers at most 366 days, also when to is left to be now', () => {
    expect(MAX_PERIOD_DAYS).toBe(366);
    expect(parsePeriod({ from: '2024-01-01', to: '2024-12-31' }, now)).toEqual({ from: parseEventTime('2024-01-01T00:00:00Z'), to: parseEventTime('2025-01-01T00:00:00Z') });
    expect(() => parsePeriod({ from: '2025-01-01', to: '2026-01-02' }, now)).toThrow(
      new ValidationError('the period from 2025-01-01T00:00:00.000Z to 2026-01-03T00:00:00.000Z is 367 days; a report covers at most 366 days: narrow from and to'),
    );
    expect(() => parsePeriod({ from: '2025-11-25' }, now)).toThrow(
      new ValidationError('the period from 2025-11-25T00:00:00.000Z to 2026-11-26T10:30:00.000Z (now: to was not given) is 366.44 days; a report covers at most 366 days: narrow from and to'),
    );
    expect(() => parsePeriod({ from: '2025-01-01T00:00:00Z', to: '2026-01-02T00:00:01Z' }, now)).toThrow(
      new ValidationError('the period from 2025-01-01T00:00:00.000Z to 2026-01-02T00:00:01.000Z is more than 366 days; a report covers at most 366 days: narrow from and to'),
    );
  });

  it('refuses times outside the years events can have, and reads years 0 to 99 as written', () => {
    const outside = (name: string, text: string) => new ValidationError(`${name}: "${text}" is out of range: a report covers 1900-01-01T00:00:00Z to 2150-01-01T00:00:00Z, the times order events can have`);
    expect(() => parsePeriod({ from: '1000-01-01' }, now)).toThrow(outside('from', '1000-01-01'));
    expect(() => parsePeriod({ from: '0099-01-01' }, now)).toThrow(outside('from', '0099-01-01'));
    expect(() => parsePeriod({ from: '0000-01-01T00:00:00Z' }, now)).toThrow(outside('from', '0000-01-01T00:00:00Z'));
    expect(() => parsePeriod({ to: '9999-12-30' }, now)).toThrow(outside('to', '9999-12-30'));
    expect(() => parsePeriod({ to: '9999-12-31' }, now)).toThrow(outside('to', '9999-12-31'));
    expect(() => parsePeriod({ to: '2150-01-01' }, now)).toThrow(outside('to', '2150-01-01'));
    expect(() => parsePeriod({ from: '1899-12-31T23:59:59Z', to: '1900-01-02' }, now)).toThrow(outside('from', '1899-12-31T23:59:59Z'));
    // The edges themselves are in: the period is [from, to).
    expect(parsePeriod({ from: '1900-01-01', to: '1900-01-01' }, now)).toEqual({ from: parseEventTime('1900-01-01T00:00:00Z'), to: parseEventTime('1900-01-02T00:00:00Z') });
    expect(parsePeriod({ to: '2149-12-31' }, now)).toEqual({ from: parseEventTime('2149-12-25T00:00:00Z'), to: parseEventTime('2150-01-01T00:00:00Z') });
  });

  it('knows weeks and days', () => {
    expect(mondayOf(now)).toBe('2026-11-23');
    expect(mondayOf(parseEventTime('2026-11-29T23:59:59Z'))).toBe('2026-11-23');
    expect(mondayOf(parseEventTime('2026-11-30T00:00:00Z'))).toBe('2026-11-30');
    expect(weekOf(now)).toEqual({ from: '2026-11-23', to: '2026-11-29' });
    expect(daysOf({ from: parseEventTime('2026-11-23T12:00:00Z'), to: parseEventTime('2026-11-25T00:00:00Z') })).toEqual(['2026-11-23', '2026-11-24']);
    expect(describePeriod({ period: { from: '2026-11-23T00:00:00.000Z', to: '2026-11-30T00:00:00.000Z' } })).toBe('Mon 23 Nov – Sun 29 Nov 2026');
    expect(describePeriod({ period: { from: '2026-11-23T00:00:00.000Z', to: '2026-11-24T00:00:00.000Z' } })).toBe('Mon 23 Nov 2026');
    // (defaultPeriod is tested below.)
    // Across a new year the start has its own year (it printed "Sat 1 Jan – Tue 1 Jan 2030" for 2000 to 2030).
    expect(describePeriod({ period: { from: '2026-12-28T00:00:00.000Z', to: '2027-01-04T00:00:00.000Z' } })).toBe('Mon 28 Dec 2026 – Sun 3 Jan 2027');
    expect(describePeriod({ period: { from: '2000-01-01T00:00:00.000Z', to: '2030-01-02T00:00:00.000Z' } })).toBe('Sat 1 Jan 2000 – Tue 1 Jan 2030');
    expect(describePeriod({ period: { from: '2026-11-23T08:00:00.000Z', to: '2026-11-23T18:30:00.000Z' } })).toBe('Mon 23 Nov 2026, 08:00 UTC – Mon 23 Nov 2026, 18:30 UTC');
    expect(reportFileName({ period: { from: '2026-11-23T00:00:00.000Z', to: '2026-11-30T00:00:00.000Z' } }, 'csv', 'day')).toBe('orderscope-latency-2026-11-23_2026-11-29-by-day.csv');
  });
});

describe('the states the report reads from the model', () => {
  it('finds the completed state (the end of the main path) and the confirmation state (before confirmed, same system)', () => {
    expect(reportStates(model)).toEqual({ terminal: ['shipped', 'cancelled'], completed: 'shipped', confirmation: 'assigned' });
    expect(reportStates(loadModelFile(DEMO_MODEL_PATH)).confirmation).toBe('assigned');
  });
});

describe('the lead-time histogram', () => {
  const bounds = [60, 120, 300, 600];

  it('keeps the bins from the first to the last non-empty one, and one empty bin on each side', () => {
    const bins = histogram(
      [
        { endState: 'shipped', bin: 2, orders: 3 },
        { endState: 'cancelled', bin: 2, orders: 1 },
        { endState: 'shipped', bin: 3, orders: 2 },
      ],
      bounds,
      'shipped',
    );
    expect(bins).toEqual([
      { fromSeconds: 60, toSeconds: 120, completed: 0, endedOtherwise: 0 },
      { fromSeconds: 120, toSeconds: 300, completed: 3, endedOtherwise: 1 },
      { fromSeconds: 300, toSeconds: 600, completed: 2, endedOtherwise: 0 },
      { fromSeconds: 600, toSeconds: null, completed: 0, endedOtherwise: 0 },
    ]);
    expect(histogram([], bounds, 'shipped')).toEqual([]);
    expect(histogram([{ endState: 'shipped', bin: 0, orders: 1 }], bounds, 'shipped')[0]).toEqual({ fromSeconds: 0, toSeconds: 60, completed: 1, endedOtherwise: 0 });
  });

  it('places a percentile marker linearly inside its bin, and in the middle of the open-ended last one', () => {
    const bins: LeadTimeBin[] = [
      { fromSeconds: 60, toSeconds: 120, completed: 1, endedOtherwise: 0 },
      { fromSeconds: 120, toSeconds: 300, completed: 1, endedOtherwise: 0 },
      { fromSeconds: 300, toSeconds: null, completed: 1, endedOtherwise: 0 },
    ];
    expect(binPosition(bins, 90)).toBe(0.5);
    expect(binPosition(bins, 165)).toBe(1.25);
    expect(binPosition(bins, 5000)).toBe(2.5);
  });
});

describe('axis ticks', () => {
  it('steps durations by a round duration, and counts by 1, 2 or 5 times a power of ten', () => {
    expect(durationTicks(5400)).toEqual([0, 1800, 3600, 5400]);
    expect(durationTicks(100_000)).toEqual([0, 43_200, 86_400, 129_600]);
    expect(countTicks(3)).toEqual([0, 1, 2, 3]);
    expect(countTicks(170)).toEqual([0, 50, 100, 150, 200]);
    expect(countTicks(0)).toEqual([0, 1]);
  });
});

describe('JSON keys', () => {
  it('turns camelCase into snake_case and back', () => {
    const report = { leadTimeP50Seconds: 1, byEnd: [{ endState: 'shipped', p99Seconds: 2 }], orderId: 'o-1' };
    const wire = snakeKeys(report);
    expect(wire).toEqual({ lead_time_p50_seconds: 1, by_end: [{ end_state: 'shipped', p99_seconds: 2 }], order_id: 'o-1' });
    expect(camelKeys(wire)).toEqual(report);
  });
});

describe('the report in a few sentences', () => {
  it('says what stands out, in plain words', () => {
    const base = {
      summary: { ordersCompleted: 12, ordersEndedOtherwise: 1, leadTimeP50Seconds: 5400, leadTimeP90Seconds: 90_000, staysJudged: 10, staysWithinSla: 8, withinSlaShare: 0.8, ordersStuck: 1, ordersLost: 2 },
      leadTime: { completedState: 'shipped', byEnd: [], histogram: [] },
      states: [
        { state: 'pricing', system: 'mes', slaSeconds: 900, withinSlaShare: 0.5, missedSla: 2, p90Seconds: 1800 },
        { state: 'assigned', system: 'crm', slaSeconds: 28_800, withinSlaShare: 0.9, missedSla: 1, p90Seconds: 30_000 },
      ],
      lost: {
        total: 2,
        orders: [
          { state: 'quote_requested', handoffTo: 'pricing', handoffVia: 'RabbitMQ queue mes.pricing' },
          { state: 'quote_requested', handoffTo: 'pricing', handoffVia: 'RabbitMQ queue mes.pricing' },
        ],
      },
      operators: { rows: [{ operatorId: 'op-1', shareOfOrders: 0.7 }, { operatorId: 'op-2', shareOfOrders: 0.2 }, { operatorId: 'op-3', shareOfOrders: 0.1 }] },
      segments: [
        { segment: 'b2b', leadTimeP90Seconds: 172_800 },
        { segment: 'b2c', leadTimeP90Seconds: 86_400 },
      ],
    } as unknown as Parameters<typeof highlights>[0];
    expect(highlights(base)).toEqual([
      '12 orders completed (shipped): half of them within 1h30m of the first event, 9 in 10 within 1d1h.',
      'Most SLA misses in pricing (mes): 50% of its stays met the 15m SLA; p90 is 30m.',
      '2 orders lost, all between quote_requested and pricing, on RabbitMQ queue mes.pricing.',
      'op-1 handled 70% of the orders; with 3 operators an even share would be 33.3%.',
      '9 in 10 B2B orders were completed within 2d, B2C orders within 1d.',
    ]);
  });
});

describe('edges of the report period and the CSV', () => {
  const now = parseEventTime('2026-11-26T10:30:00Z');

  it('refuses an empty period (from equal to to)', () => {
    expect(() => parsePeriod({ from: '2026-11-23T08:00:00Z', to: '2026-11-23T08:00:00Z' }, now)).toThrow(
      new ValidationError('from (2026-11-23T08:00:00.000Z) must be before to (2026-11-23T08:00:00.000Z); a date as "to" includes that whole day'),
    );
  });

  it('accepts exactly 366 days and a period of one microsecond', () => {
    expect(parsePeriod({ from: '2025-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' }, now)).toEqual({ from: parseEventTime('2025-01-01T00:00:00Z'), to: parseEventTime('2026-01-02T00:00:00Z') });
    expect(parsePeriod({ from: '2026-11-23T08:00:00Z', to: '2026-11-23T08:00:00.000001Z' }, now).to - parseEventTime('2026-11-23T08:00:00Z')).toBe(1);
  });

  it('reads only a whole date as a date: text around one is refused', () => {
    for (const from of ['x2026-11-23', '2026-11-23x', '2026-11-2']) {
      expect(() => parsePeriod({ from }, now)).toThrow(`from: "${from}" is not a date (2026-11-23) or an RFC 3339 time with an offset (2026-11-23T08:00:00Z)`);
    }
  });

  it('lists the days a period overlaps, partial ones included', () => {
    expect(daysOf({ from: parseEventTime('2026-11-23T23:00:00Z'), to: parseEventTime('2026-11-25T00:00:00Z') })).toEqual(['2026-11-23', '2026-11-24']);
    expect(daysOf({ from: parseEventTime('2026-11-23T00:00:00Z'), to: parseEventTime('2026-11-23T00:00:00.000001Z') })).toEqual(['2026-11-23']);
  });

  it('writes NaN and Infinity as empty cells, and whole numbers without a decimal point', () => {
    expect(toCsv(['a', 'b', 'c', 'd', 'e'], [[Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 10, 0.5]])).toBe('a,b,c,d,e\r\n,,,10,0.5\r\n');
    // From 1e21 on, toFixed writes an exponent: its zeros are not decimals to trim.
    expect(toCsv(['huge'], [[1e30]])).toBe('huge\r\n1e+30\r\n');
  });

  it('prefixes a formula character only at the start of a cell, and leaves an empty string empty', () => {
    expect(toCsv(['a', 'b'], [['a=1', ''], ['x@y', 'b-c']])).toBe('a,b\r\na=1,\r\nx@y,b-c\r\n');
  });
});

describe('the default period', () => {
  const DAY = 86_400_000_000;
  const now = Date.UTC(2027, 2, 10, 15, 0) * 1000;
  it('is the last 7 days while the data reaches into them', () => {
    expect(defaultPeriod(now, now - 3 * DAY)).toEqual({ from: now - 7 * DAY, to: now });
    expect(defaultPeriod(now, null)).toEqual({ from: now - 7 * DAY, to: now });
    // Newest data exactly at the start of the last 7 days still reaches into them.
    expect(defaultPeriod(now, now - 7 * DAY)).toEqual({ from: now - 7 * DAY, to: now });
  });
  it('is the last 7 days of the data when it is older (a backfill), ending with the UTC day of its newest stay', () => {
    const newest = Date.UTC(2026, 2, 29, 22, 30) * 1000;
    expect(defaultPeriod(now, newest)).toEqual({ from: Date.UTC(2026, 2, 23) * 1000, to: Date.UTC(2026, 2, 30) * 1000 });
  });
});
