// New versions of Sportello (the banner and Settings), in Italian.
const updatesIt = {
  'update.title': 'È disponibile Sportello {version}',
  'update.current': 'Stai usando la versione {version}.',
  'update.install': 'Aggiorna e riavvia',
  'update.later': 'Più tardi',
  'update.cancel': 'Annulla',
  'update.downloading': 'Download della nuova versione…',
  'update.percent': 'Scaricato {percent}% ({done})',
  'update.installing': 'Installazione in corso: Sportello si riavvierà da solo.',
  'update.managed': 'Su questo computer i programmi li installa chi lo amministra: chiedi a lui di installare la nuova versione.',
  'error.update_unverified': 'La nuova versione non porta la firma della società e non è stata installata. Riprova più tardi; se succede ancora avvisa il servizio clienti.',
  'error.update_failed': 'Non è stato possibile scaricare o installare la nuova versione: continui a usare questa. Riprova più tardi.',
  'settings.updates': 'Aggiornamenti',
  'settings.version': 'Versione in uso: {version}',
  'settings.check_now': 'Controlla ora',
  'settings.checking': 'Controllo in corso…',
  'settings.up_to_date': 'Sportello è aggiornato (controllato alle {time}).',
  'settings.update_found': 'È disponibile la versione {version}: la trovi in cima alla pagina.',
  'settings.update_policy': 'Quando esce una nuova versione',
  'settings.update_install': 'Proponimi di installarla',
  'settings.update_notify': 'Avvisami soltanto (i programmi li installa l’amministratore del computer)',
} as const;

export default updatesIt;
