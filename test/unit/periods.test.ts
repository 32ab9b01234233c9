import { describe, expect, it } from 'vitest';
import { dayExpiry, dayKey, monthExpiry, monthKey, nextDayStart, nextMonthStart, nextWeekStart, periodDays, relativeTime, RETENTION_DAYS } from '../../src/costs/periods.js';
import { formatUsd, toNanos, toNanosUp, toUsd } from '../../src/costs/money.js';

const at = (iso: string) => Date.parse(iso);
const DAY = 86_400_000;

describe('UTC periods', () => {
  it('keys days and months in UTC, whatever the local time zone', () => {
    expect(dayKey(at('2026-03-31T23:59:59.999Z'))).toBe('2026-03-31');
    expect(dayKey(at('2026-04-01T00:00:00Z'))).toBe('2026-04-01');
    expect(monthKey(at('2026-12-31T23:00:00Z'))).toBe('2026-12');
  });

  it('resets at the next UTC midnight, the first of next month, and on Monday', () => {
    expect(nextDayStart(at('2026-03-31T23:59:59Z'))).toBe(at('2026-04-01T00:00:00Z'));
    expect(nextDayStart(at('2026-04-01T00:00:00Z'))).toBe(at('2026-04-02T00:00:00Z'));
    expect(nextMonthStart(at('2026-12-15T10:00:00Z'))).toBe(at('2027-01-01T00:00:00Z'));
    expect(nextMonthStart(at('2028-02-29T10:00:00Z'))).toBe(at('2028-03-01T00:00:00Z'));
    // 2026-12-01 is a Tuesday; 2026-12-07 a Monday.
    expect(nextWeekStart(at('2026-12-01T10:00:00Z'))).toBe(at('2026-12-07T00:00:00Z'));
    expect(nextWeekStart(at('2026-12-07T00:00:00Z'))).toBe(at('2026-12-14T00:00:00Z'));
  });

  it(`keeps a day’s counters ${RETENTION_DAYS} days after it ends, and a month’s after the month`, () => {
    expect(dayExpiry('2026-01-01')).toBe(at('2026-01-01T00:00:00Z') + (RETENTION_DAYS + 1) * DAY);
    expect(monthExpiry('2026-01')).toBe(at('2026-02-01T00:00:00Z') + RETENTION_DAYS * DAY);
    expect(RETENTION_DAYS).toBeGreaterThanOrEqual(90);
  });

  it('lists the days of each /usage period, oldest first, today included', () => {
    const now = at('2026-03-03T08:00:00Z');
    expect(periodDays('today', now)).toEqual(['2026-03-03']);
    expect(periodDays('7d', now)).toEqual(['2026-02-25', '2026-02-26', '2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02', '2026-03-03']);
    expect(periodDays('30d', now)).toHaveLength(30);
    expect(periodDays('30d', now)[0]).toBe('2026-02-02');
    expect(periodDays('month', now)).toEqual(['2026-03-01', '2026-03-02', '2026-03-03']);
  });

  it('writes reset times as Discord relative timestamps', () => {
    expect(relativeTime(at('2026-04-01T00:00:00Z'))).toBe('<t:1775001600:R>');
  });
});

describe('money', () => {
  it('counts in whole nano-dollars, rounding reservations up', () => {
    expect(toNanos(0.0000025 * 3)).toBe(7500);
    expect(toNanos(0.1) + toNanos(0.2)).toBe(toNanos(0.3));
    expect(toNanosUp(1.0000000001)).toBe(1_000_000_001);
    expect(toNanosUp(0.5)).toBe(500_000_000);
    expect(toUsd(1_500_000_000)).toBe(1.5);
  });

  it('shows whole cents as cents and smaller amounts like the footer', () => {
    expect(formatUsd(0.05)).toBe('$0.05');
    expect(formatUsd(12)).toBe('$12.00');
    expect(formatUsd(0.015)).toBe('$0.0150');
    expect(formatUsd(0.00123)).toBe('$0.00123');
  });
});
