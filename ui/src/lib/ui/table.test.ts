import { describe, expect, it } from 'vitest';
import { minWidth, stickyOffsets, template, type Column } from './table';

const columns: Column[] = [
  { key: 'status', label: 'Stato', rem: 6, sticky: true },
  { key: 'due_on', label: 'Scadenza', rem: 5.5, sticky: true },
  { key: 'amount', label: 'Importo', rem: 6, align: 'end' },
  { key: 'note', label: 'Nota', rem: 10, grow: 3, sticky: true },
];

describe('table columns', () => {
  it('grow from their minimum by their share', () => {
    expect(template(columns)).toBe('minmax(6rem, 1fr) minmax(5.5rem, 1fr) minmax(6rem, 1fr) minmax(10rem, 3fr)');
  });

  it('scroll sideways below the sum of minimums, gaps and padding', () => {
    expect(minWidth(columns)).toBe(`${6 + 5.5 + 6 + 10 + 3 * 0.45 + 1.2}rem`);
  });

  it('keep only the leading sticky columns in view, each after the ones before it', () => {
    expect(stickyOffsets(columns)).toEqual(['0rem', '6.45rem', null, null]);
  });
});
