/**
 * The hand-written checks of journal answers against their zod schemas (see `core/fast-parse.ts`):
 * mutations of a real account never pass a check where the schema refuses or would change the value.
 */
import { describe, expect, it } from 'vitest';
import { parseFast } from '../../core/fast-parse.ts';
import { checkAgainstSchema } from '../../test/helpers/shape-mutations.ts';
import { accountListSchema, accountWireSchema, isAccountList, isAccountWire } from './map.ts';

const ACCOUNT = {
  accountId: 'p-1001',
  role: 'parent',
  institution: { id: 'school-1', name: 'МБОУ «Школа № 1»' },
  lastName: 'Иванова',
  firstName: 'Мария',
  middleName: 'Петровна',
  birthDate: '1985-08-06',
  snils: '112-233-445 95',
  className: '5А',
  position: 'Учитель',
  extension: { anything: true },
};

describe('journal answer checks', () => {
  checkAgainstSchema('account', accountWireSchema, isAccountWire, ACCOUNT);
  checkAgainstSchema('account list', accountListSchema, isAccountList, { accounts: [ACCOUNT, { ...ACCOUNT, accountId: 'p-1002', middleName: undefined }] });

  it('leaves nulls and texts to trim to zod', () => {
    expect(isAccountWire({ ...ACCOUNT, middleName: null })).toBe(false);
    expect(parseFast(accountWireSchema, isAccountWire, { ...ACCOUNT, middleName: null, lastName: ' Иванова ' })).toMatchObject({
      success: true,
      data: { middleName: undefined, lastName: 'Иванова' },
    });
  });
});
