import { afterEach, describe, expect, it } from 'vitest';
import { i18n } from './index.svelte';
import { catalogueName } from './products';

describe('catalogueName', () => {
  afterEach(() => {
    i18n.lang = 'it';
  });

  it('keeps the book’s Italian names in Italian', () => {
    expect(catalogueName('Leasing targato')).toBe('Leasing targato');
  });

  it('reads the catalogue’s names in English, whatever their case', () => {
    i18n.lang = 'en';
    expect(catalogueName('Leasing targato')).toBe('Registered vehicle lease');
    expect(catalogueName('NESSUNA AGEVOLAZIONE ')).toBe('No subsidy');
  });

  it('shows a name it does not know as the book writes it', () => {
    i18n.lang = 'en';
    expect(catalogueName('Leasing su misura Rossi')).toBe('Leasing su misura Rossi');
  });
});
