// New versions of Sportello (the banner and Settings), in English.
const updatesEn = {
  'update.title': 'Sportello {version} is available',
  'update.current': 'You are using version {version}.',
  'update.install': 'Update and restart',
  'update.later': 'Later',
  'update.cancel': 'Cancel',
  'update.downloading': 'Downloading the new version…',
  'update.percent': '{percent}% downloaded ({done})',
  'update.installing': 'Installing: Sportello will restart by itself.',
  'update.managed': 'Programs on this computer are installed by its administrator: ask them to install the new version.',
  'error.update_unverified': 'The new version does not carry the company’s signature and was not installed. Try again later; if it happens again, tell customer service.',
  'error.update_failed': 'The new version could not be downloaded or installed: you keep using this one. Try again later.',
  'settings.updates': 'Updates',
  'settings.version': 'Version in use: {version}',
  'settings.check_now': 'Check now',
  'settings.checking': 'Checking…',
  'settings.up_to_date': 'Sportello is up to date (checked at {time}).',
  'settings.update_found': 'Version {version} is available: you will find it at the top of the page.',
  'settings.update_policy': 'When a new version comes out',
  'settings.update_install': 'Offer to install it',
  'settings.update_notify': 'Only tell me (programs are installed by the computer’s administrator)',
} as const;

export default updatesEn;
