/** The account-type and age policy: age groups in the region's zone, the cells, and refusals. */
import { describe, expect, it } from 'vitest';
import { brokerSchema } from '../../config/broker.ts';
import { ageGroupOf, ageOn, allows, checkLoginPolicy, ruleFor } from './policy.ts';

const policy = brokerSchema.parse({}).policy;

describe('ages in the region time zone', () => {
  it('counts a birthday from local midnight, not UTC', () => {
    // Samara is UTC+4: 19:59:59Z on 6 May is still 5 May there; 20:00Z is 6 May.
    expect(ageOn('2008-05-06', new Date('2026-05-05T19:59:59Z'), 'Europe/Samara')).toBe(17);
    expect(ageOn('2008-05-06', new Date('2026-05-05T20:00:00Z'), 'Europe/Samara')).toBe(18);
    expect(ageOn('2008-05-06', new Date('2026-05-05T20:00:00Z'), 'Europe/Kaliningrad')).toBe(17);
  });

  it('ages a person born on 29 February on 1 March in common years, and on 29 February in leap years', () => {
    expect(ageOn('2012-02-29', new Date('2026-02-28T12:00:00Z'), 'Europe/Samara')).toBe(13);
    expect(ageOn('2012-02-29', new Date('2026-03-01T00:00:00Z'), 'Europe/Samara')).toBe(14);
    expect(ageOn('2012-02-29', new Date('2028-02-28T12:00:00Z'), 'Europe/Samara')).toBe(15);
    expect(ageOn('2012-02-29', new Date('2028-02-29T12:00:00Z'), 'Europe/Samara')).toBe(16);
  });

  it('puts 13, 14, 17 and 18 in the right groups, and an unknown birth date in none', () => {
    const at = new Date('2026-11-23T12:00:00Z');
    expect(ageGroupOf('2012-11-24', at, 'Europe/Samara')).toBe('under_14');
    expect(ageGroupOf('2012-11-23', at, 'Europe/Samara')).toBe('14_17');
    expect(ageGroupOf('2008-11-24', at, 'Europe/Samara')).toBe('14_17');
    expect(ageGroupOf('2008-11-23', at, 'Europe/Samara')).toBe('adult');
    expect(ageGroupOf(undefined, at, 'Europe/Samara')).toBeUndefined();
  });
});

describe('the default policy (DESIGN.md)', () => {
  const person = (level: 'simplified' | 'standard' | 'confirmed', extra = {}) => ({ level, child: false, deleted: false, ...extra });

  it('asks staff and parents for a confirmed account, pupils from 14 for standard', () => {
    expect(checkLoginPolicy(person('standard'), 'parent', policy, 'adult')).toBe('level_too_low');
    expect(checkLoginPolicy(person('confirmed'), 'parent', policy, 'adult')).toBeUndefined();
    expect(checkLoginPolicy(person('standard'), 'staff', policy, undefined)).toBe('level_too_low');
    expect(checkLoginPolicy(person('simplified'), 'pupil', policy, '14_17')).toBe('level_too_low');
    expect(checkLoginPolicy(person('standard'), 'pupil', policy, '14_17')).toBeUndefined();
    expect(checkLoginPolicy(person('standard'), 'pupil', policy, 'adult')).toBeUndefined();
  });

  it('sends pupils under 14 to their school login, and refuses a pupil whose age is unknown', () => {
    expect(checkLoginPolicy(person('confirmed'), 'pupil', policy, 'under_14')).toBe('too_young');
    expect(checkLoginPolicy(person('confirmed'), 'pupil', policy, undefined)).toBe('birth_date_unknown');
  });

  it('refuses child accounts unless the region allows them for pupils, and deleted accounts always', () => {
    expect(checkLoginPolicy(person('simplified', { child: true }), 'pupil', policy, 'under_14')).toBe('child_account');
    const allowing = brokerSchema.parse({ policy: { childAccounts: true } }).policy;
    expect(checkLoginPolicy(person('simplified', { child: true }), 'pupil', allowing, 'under_14')).toBeUndefined();
    expect(checkLoginPolicy(person('simplified', { child: true }), 'parent', allowing, 'adult')).toBe('child_account');
    expect(checkLoginPolicy(person('confirmed', { deleted: true }), 'parent', policy, 'adult')).toBe('account_deleted');
  });

  it('links automatically only confirmed accounts, by hand any, and nobody under 14', () => {
    expect(allows('standard', ruleFor(policy, 'pupil', '14_17').autoLink)).toBe(false);
    expect(allows('confirmed', ruleFor(policy, 'pupil', '14_17').autoLink)).toBe(true);
    expect(allows('simplified', ruleFor(policy, 'parent', 'adult').manualLink)).toBe(true);
    expect(allows('confirmed', ruleFor(policy, 'pupil', 'under_14').manualLink)).toBe(false);
  });

  it('lets a region change one cell and keeps the rest', () => {
    const region = brokerSchema.parse({ policy: { version: '2027-1', parent: { adult: { login: 'standard' } } } }).policy;
    expect(region.parent.adult).toEqual({ login: 'standard', autoLink: 'confirmed', manualLink: 'simplified' });
    expect(region.pupil['14_17'].login).toBe('standard');
    expect(region.version).toBe('2027-1');
    expect(() => brokerSchema.parse({ policy: { parent: { adult: { login: 'gold' } } } })).toThrow();
  });
});
