import { ConfigError } from '../../common';
import { ackThenDieApplies, isToggleOn, parseToggles, TOGGLE_NAMES, untrackedApplies } from './toggles';

describe('feature toggles', () => {
  it('are the pricing cache, B2B first, the two faults and the legacy shape, safe by default', () => {
    expect(TOGGLE_NAMES).toEqual(['pricingCache', 'b2bFirst', 'faultAckThenDieOnPart', 'faultUntrackedPart', 'legacy']);
    expect(parseToggles()).toEqual({ pricingCache: true, b2bFirst: true, faultAckThenDieOnPart: '', faultUntrackedPart: '', legacy: false });
  });

  it('reads repeated and comma-separated assignments, with booleans in the usual spellings', () => {
    expect(parseToggles(['pricingCache=off,b2bFirst=0', 'faultAckThenDieOnPart=FAULT-', 'legacy'])).toEqual({
      pricingCache: false,
      b2bFirst: false,
      faultAckThenDieOnPart: 'FAULT-',
      faultUntrackedPart: '',
      legacy: true,
    });
    expect(parseToggles(['pricingCache=ON', ' b2bFirst = 1 ']).b2bFirst).toBe(true);
  });

  it('takes a bare name as switching a boolean toggle on', () => {
    expect(parseToggles(['pricingCache=false', 'pricingCache']).pricingCache).toBe(true);
  });

  it('refuses unknown names and bad values with what is expected', () => {
    expect(() => parseToggles(['pricingcache=false'])).toThrow(new ConfigError('toggle "pricingcache" is unknown; the toggles are pricingCache, b2bFirst, faultAckThenDieOnPart, faultUntrackedPart, legacy'));
    expect(() => parseToggles(['b2bFirst=maybe'])).toThrow(new ConfigError('toggle b2bFirst: "maybe" is not true or false'));
    expect(() => parseToggles([`faultAckThenDieOnPart=${'x'.repeat(65)}`])).toThrow(/faultAckThenDieOnPart: Too big/);
  });

  it('calls a toggle on when it changes behaviour: true, or a non-empty string', () => {
    expect([true, false, 'FAULT-', ''].map(isToggleOn)).toEqual([true, false, true, false]);
  });
});

describe('the ack-then-die fault', () => {
  it('applies only to parts whose number starts with the toggle\'s prefix, and never when it is off', () => {
    const on = parseToggles(['faultAckThenDieOnPart=FAULT-']);
    expect(['FAULT-1', 'FAULT-', 'BRK-FAULT-1', 'fault-1'].map((p) => ackThenDieApplies(on, p))).toEqual([true, true, false, false]);
    expect(ackThenDieApplies(parseToggles(), 'FAULT-1')).toBe(false);
  });
});

describe('the untracked-order fault', () => {
  it('applies only to parts whose number starts with its own prefix, and never when it is off', () => {
    const on = parseToggles(['faultUntrackedPart=GHOST-', 'faultAckThenDieOnPart=FAULT-']);
    expect(['GHOST-1', 'FAULT-1', 'X-GHOST-1'].map((p) => untrackedApplies(on, p))).toEqual([true, false, false]);
    expect(untrackedApplies(parseToggles(), 'GHOST-1')).toBe(false);
  });
});
