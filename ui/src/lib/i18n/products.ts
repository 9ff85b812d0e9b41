import { i18n } from './index.svelte';

// The company's book names products and subsidies in Italian. In English the
// names of its catalogue read in English; a name the catalogue does not know
// is shown as the book writes it, never guessed.
const english: Record<string, string> = {
  'leasing targato': 'Registered vehicle lease',
  'leasing strumentale': 'Equipment lease',
  'leasing veicoli commerciali': 'Commercial vehicle lease',
  'leasing auto': 'Car lease',
  'leasing immobiliare': 'Property lease',
  'leasing nautico': 'Boat lease',
  'leasing energetico': 'Energy plant lease',
  'noleggio a lungo termine': 'Long-term rental',
  'nessuna agevolazione': 'No subsidy',
  'nuova sabatini': 'Nuova Sabatini (state grant on interest)',
  'legge sabatini': 'Sabatini Law (state grant on interest)',
  'contributo in conto interessi': 'Interest-rate grant',
  'contributo in conto capitale': 'Capital grant',
  'fondo di garanzia pmi': 'SME Guarantee Fund',
};

/** A product's or subsidy's name in the user's language. */
export function catalogueName(name: string): string {
  if (i18n.lang !== 'en') return name;
  return english[name.trim().toLowerCase()] ?? name;
}
