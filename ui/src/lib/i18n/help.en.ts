// The Help page's texts (X5: the service desk's contact, the user guide, diagnostics), in English.
const helpEn = {
  'help.contact': 'Contact customer service',
  'help.contact_body': 'For questions on contracts, invoices and payments, customer service answers by phone or e-mail; for paperwork use the self-service requests, which keep a record.',
  'help.phone': 'Phone',
  'help.email': 'E-mail',
  'help.hours': 'Hours',
  'help.hours_value': 'Monday–Friday, 9:00–18:00 (Italian time)',
  'help.privacy': 'Never share your password or access codes: customer service will never ask for them.',
  'help.this_screen': 'Guide to this screen',
  'help.search': 'Search the guide',
  'help.search_hint': 'For example: IBAN, QR, password, subscription',
  'help.results': 'Search results',
  'help.found': '{count, plural, one {One result} other {# results}}',
  'help.no_results': 'Nothing found for “{query}”. Try another word or contact the service desk.',
  'help.topics': 'Guide topics',
  'help.go_to': 'Go to {section}',
  'help.guide': 'User guide',
  'help.diagnostics': 'Diagnostics',
  'help.diagnostics_body': 'If customer service asks for it, copy this technical information and paste it into your request: it contains no passwords, codes or IBANs.',
  'help.diagnostics_copy': 'Copy diagnostics',
  'help.diagnostics_copied': 'Copied to the clipboard.',
};

export default helpEn;
