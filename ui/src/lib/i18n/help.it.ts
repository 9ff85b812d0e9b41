// The Help page's texts (X5: the service desk's contact, the user guide, diagnostics), in Italian.
const helpIt = {
  'help.contact': 'Contatta il servizio clienti',
  'help.contact_body': 'Per dubbi su contratti, fatture e pagamenti il servizio clienti ti risponde per telefono o per email; per le pratiche usa le richieste self service, che restano tracciate.',
  'help.phone': 'Telefono',
  'help.email': 'Email',
  'help.hours': 'Orari',
  'help.hours_value': 'Lunedì–venerdì, 9:00–18:00',
  'help.privacy': 'Non comunicare mai password o codici di accesso: il servizio clienti non te li chiederà.',
  'help.this_screen': 'Guida di questa schermata',
  'help.search': 'Cerca nella guida',
  'help.search_hint': 'Per esempio: IBAN, QR, password, abbonamento',
  'help.results': 'Risultati della ricerca',
  'help.found': '{count, plural, one {Un risultato} other {# risultati}}',
  'help.no_results': 'Nessun risultato per «{query}». Prova con un’altra parola o contatta il servizio clienti.',
  'help.topics': 'Argomenti della guida',
  'help.go_to': 'Vai a {section}',
  'help.guide': 'Guida operativa',
  'help.diagnostics': 'Diagnostica',
  'help.diagnostics_body': 'Se il servizio clienti te lo chiede, copia queste informazioni tecniche e incollale nella richiesta: non contengono password, codici né IBAN.',
  'help.diagnostics_copy': 'Copia la diagnostica',
  'help.diagnostics_copied': 'Copiata negli appunti.',
} as const;

export default helpIt;
