// Texts of the lists, charts and states that make each screen readable at any window size, in English.
const screensEn = {
  'schedule.order_attention': 'To pay first',
  'plan.chart_keys': '{chart}: use the arrow keys to read the figures of each due date',
  'plan.chart_advance': 'The advance of {amount} paid on {date} is not in the chart: to scale it would flatten the installments.',
  'plan.chart_table': 'The charts’ data as a table, year by year',
  'plan.year': 'Year',
  'plan.outstanding_year_end': 'Outstanding principal at year end',
} as const;

export default screensEn;
