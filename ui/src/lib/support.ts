// The service desk's contact, set per deployment at build time
// (VITE_SUPPORT_PHONE, VITE_SUPPORT_EMAIL, VITE_SUPPORT_HOURS); the defaults
// are the demo company's.
const env = import.meta.env;

export const support = {
  phone: (env.VITE_SUPPORT_PHONE as string | undefined) ?? '+39 02 8088 1200',
  email: (env.VITE_SUPPORT_EMAIL as string | undefined) ?? 'assistenza@sportello-leasing.it',
  /** Shown as written; when empty the translated default hours are shown. */
  hours: (env.VITE_SUPPORT_HOURS as string | undefined) ?? '',
};
