// The password rules as the server applies them (crates/domain/src/password.rs),
// checked as the user types; the server's answer stays the authority (it also
// refuses the most common passwords).

export type PasswordProblem = 'too_short' | 'too_long' | 'contains_username';

export const MIN_CHARS = 12;
export const MAX_CHARS = 128;

/** The first rule `password` breaks, or null; characters, not bytes, are counted. */
export function passwordProblem(password: string, username: string | null): PasswordProblem | null {
  const chars = [...password].length;
  if (chars < MIN_CHARS) return 'too_short';
  if (chars > MAX_CHARS) return 'too_long';
  const name = (username ?? '').trim().toLowerCase();
  if (name.length >= 4 && password.toLowerCase().includes(name)) return 'contains_username';
  return null;
}

/** Whether a new password and its repetition may be sent. */
export function newPasswordReady(password: string, confirm: string, username: string | null): boolean {
  return passwordProblem(password, username) === null && confirm === password;
}
