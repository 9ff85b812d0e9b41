import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import PlanCharts from './PlanCharts.svelte';
import { byYear, centsToMoney, indexAt, ticks, xOf, yearStarts } from './chart';
import { i18n } from '../i18n/index.svelte';
import type { PlanEntry } from '../bindings/PlanEntry';

function entry(due_on: string, kind: PlanEntry['kind'], amount: string, principal: string, interest: string, outstanding: string, number = 1): PlanEntry {
  return { number, kind, due_on, amount, principal, interest, outstanding, accrual_start: due_on, accrual_end: due_on, payment_method: 'sepa_direct_debit', collected_on: null };
}

const plan: PlanEntry[] = [
  entry('2024-06-01', 'advance', '12000.00', '12000.00', '0.00', '48000.00', 0),
  entry('2024-07-01', 'installment', '1010.10', '900.05', '110.05', '47099.95', 1),
  entry('2024-12-01', 'installment', '1010.10', '910.00', '100.10', '46189.95', 2),
  entry('2025-01-01', 'indexation', '3.20', '0.00', '3.20', '46189.95', 0),
  entry('2025-06-01', 'installment', '1010.10', '920.00', '90.10', '45269.95', 3),
];

beforeEach(() => {
  i18n.lang = 'it';
});
afterEach(() => cleanup());

describe('chart scales', () => {
  it('take round steps that reach past the largest value', () => {
    expect(ticks(4_800_000)).toEqual([0, 2_000_000, 4_000_000, 6_000_000]);
    expect(ticks(101_010)).toEqual([0, 50_000, 100_000, 150_000]);
    expect(ticks(0)).toEqual([0]);
  });

  it('find the point under the pointer, at the ends too', () => {
    expect(indexAt(xOf(3, 10), 10)).toBe(3);
    expect(indexAt(xOf(4, 7, true), 7, true)).toBe(4);
    expect(indexAt(-50, 10)).toBe(0);
    expect(indexAt(5000, 10)).toBe(9);
  });

  it('label each year once, and every other one on a long plan', () => {
    expect(yearStarts(['2024-06-01', '2024-07-01', '2025-01-01'])).toEqual([{ index: 0, year: '2024' }, { index: 2, year: '2025' }]);
    const long = Array.from({ length: 10 }, (_, k) => `${2020 + k}-01-01`);
    expect(yearStarts(long).map((y) => y.year)).toEqual(['2020', '2022', '2024', '2026', '2028']);
  });

  it('add up each year in whole cents', () => {
    expect(centsToMoney(-105)).toBe('-1.05');
    expect(byYear(plan)).toEqual([
      { year: '2024', principal: '13810.05', interest: '210.15', outstanding: '46189.95' },
      { year: '2025', principal: '920.00', interest: '90.10', outstanding: '45269.95' },
    ]);
  });
});

describe('PlanCharts', () => {
  it('draws € and year axes, keeps the advance apart, and reads each point from the keyboard', async () => {
    render(PlanCharts, { props: { plan } });
    const split = screen.getByTestId('chart-split');
    // Installments only: the 12,000 € advance would flatten them.
    expect(split.querySelectorAll('rect.principal')).toHaveLength(3);
    expect(screen.getByTestId('chart-advance')).toHaveTextContent('L’anticipo di 12.000,00 € pagato il 01/06/2024 non è nel grafico');
    expect(within(split).getByText('2024')).toBeInTheDocument();
    expect(within(split).getByText('2025')).toBeInTheDocument();
    expect(within(screen.getByTestId('chart-outstanding')).getByText('40.000 €')).toBeInTheDocument();

    const user = userEvent.setup();
    const bars = screen.getByRole('slider', { name: /Capitale e interessi per rata: usa le frecce/ });
    bars.focus();
    await user.keyboard('{ArrowRight}');
    expect(screen.getByTestId('chart-tip')).toHaveTextContent('01/07/2024 · Rata 1');
    expect(screen.getByTestId('chart-tip')).toHaveTextContent('Quota capitale: 900,05 €');
    expect(bars.getAttribute('aria-valuetext')!.replace(/\s/g, ' ')).toBe(
      '01/07/2024, Rata: Quota capitale 900,05 €, Quota interessi 110,05 €, Importo 1.010,10 €',
    );
    await user.keyboard('{End}');
    expect(screen.getByTestId('chart-tip')).toHaveTextContent('01/06/2025');
    expect(screen.getByTestId('chart-tip')).toHaveTextContent('Importo: 1.010,10 €');
  });

  it('has the same data as a table, in English too', () => {
    i18n.lang = 'en';
    render(PlanCharts, { props: { plan } });
    const table = within(screen.getByTestId('chart-table'));
    expect(table.getByText('The charts’ data as a table, year by year', { selector: 'summary' })).toBeInTheDocument();
    const rows = table.getAllByRole('row');
    expect(rows[1]).toHaveTextContent('2024€13,810.05€210.15€46,189.95');
  });
});
