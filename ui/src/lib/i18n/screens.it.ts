// Texts of the lists, charts and states that make each screen readable at any window size, in Italian.
const screensIt = {
  'schedule.order_attention': 'Da pagare prima',
  'plan.chart_keys': '{chart}: usa le frecce per leggere le cifre di ogni scadenza',
  'plan.chart_advance': 'L’anticipo di {amount} pagato il {date} non è nel grafico: in scala schiaccerebbe le rate.',
  'plan.chart_table': 'I dati dei grafici in tabella, anno per anno',
  'plan.year': 'Anno',
  'plan.outstanding_year_end': 'Capitale residuo a fine anno',
} as const;

export default screensIt;
