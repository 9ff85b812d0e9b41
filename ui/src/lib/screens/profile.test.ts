import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import ProfilePage from './ProfilePage.svelte';
import { i18n } from '../i18n/index.svelte';
import type { SubUser } from '../bindings/SubUser';
import { ALL_RIGHTS } from '../session/testIpc';

const profile = {
  username: '10093', display_name: 'Mario Rossi', customer_name: 'Studio Rossi', language: 'it', email: 'studio@pec.example.it',
  secondary_email: null, paper_invoices: false, desk_emails: true, parent_username: null, must_change_password: false,
};
const giulia: SubUser = { username: '10093.1', first_name: 'Giulia', last_name: 'Verdi', email: 'g@example.it', secondary_email: null, language: 'it', parent_username: '10093', rights: ['requests'] };

beforeEach(() => {
  i18n.lang = 'it';
});
afterEach(() => {
  cleanup();
  clearMocks();
});

describe('ProfilePage', () => {
  it('renames the user ("Denominazione") and refuses an empty name', async () => {
    const updates: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === 'profile') return profile;
      if (cmd === 'sub_users') return [];
      if (cmd === 'update_profile') {
        updates.push((args as { update: unknown }).update);
        return { ...profile, display_name: 'Amministrazione Rossi' };
      }
      return null;
    });
    render(ProfilePage);
    const user = userEvent.setup();
    const name = await screen.findByTestId('profile-display-name');
    await user.clear(name);
    await user.click(screen.getByTestId('profile-display-name-save'));
    expect(screen.getByTestId('profile-display-name-error')).toHaveTextContent('Campo obbligatorio.');
    expect(updates).toEqual([]);
    await user.type(name, '  Amministrazione Rossi ');
    await user.click(screen.getByTestId('profile-display-name-save'));
    expect(await screen.findByTestId('profile-name')).toHaveTextContent('Amministrazione Rossi');
    expect(updates).toEqual([{ display_name: 'Amministrazione Rossi' }]);
  });

  it('turns the e-mail copies of the desk replies off and says where they go', async () => {
    const updates: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === 'profile') return profile;
      if (cmd === 'sub_users') return [];
      if (cmd === 'update_profile') {
        updates.push((args as { update: unknown }).update);
        return { ...profile, desk_emails: false };
      }
      return null;
    });
    render(ProfilePage);
    const toggle = await screen.findByTestId('profile-desk-emails');
    expect(toggle).toBeChecked();
    expect(screen.getByText(/Le copie vanno a studio@pec.example.it/)).toBeInTheDocument();
    await userEvent.setup().click(toggle);
    expect(updates).toEqual([{ desk_emails: false }]);
    await vi.waitFor(() => expect(screen.getByTestId('profile-desk-emails')).not.toBeChecked());
  });

  it('changes the password with the current one and says the other sessions ended', async () => {
    const changes: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === 'profile') return profile;
      if (cmd === 'sub_users') return [];
      if (cmd === 'change_password') {
        changes.push((args as { change: unknown }).change);
        if (changes.length === 1) return Promise.reject({ code: 'bad_request', message: 'wrong', fields: { current_password: 'wrong' } });
        return { username: '10093', display_name: 'Mario Rossi', customer_name: 'Studio Rossi', language: 'it', must_change_password: false, rights: ALL_RIGHTS };
      }
      return null;
    });
    render(ProfilePage);
    const user = userEvent.setup();
    const card = await screen.findByTestId('password-card');
    await user.type(within(card).getByLabelText('Password attuale'), 'sbagliata');
    await user.type(within(card).getByLabelText('Nuova password'), 'una password lunga e nuova');
    await user.type(within(card).getByLabelText('Ripeti la nuova password'), 'una password lunga e nuova');
    await user.click(within(card).getByRole('button', { name: 'Cambia password' }));
    expect(await within(card).findByTestId('current-password-wrong')).toHaveTextContent('La password attuale non è corretta.');
    await user.clear(within(card).getByLabelText('Password attuale'));
    await user.type(within(card).getByLabelText('Password attuale'), 'Sportello-Demo-2026');
    await user.click(within(card).getByRole('button', { name: 'Cambia password' }));
    expect(await within(card).findByTestId('password-changed')).toHaveTextContent('Le altre sessioni sono state chiuse.');
    expect(changes).toEqual([
      { current_password: 'sbagliata', new_password: 'una password lunga e nuova' },
      { current_password: 'Sportello-Demo-2026', new_password: 'una password lunga e nuova' },
    ]);
    expect(within(card).getByLabelText<HTMLInputElement>('Nuova password').value).toBe('');
  });

  it('adds a sub-user after checking the form, and deletes only after confirmation', async () => {
    let users: SubUser[] = [];
    const calls: string[] = [];
    mockIPC((cmd) => {
      calls.push(cmd);
      if (cmd === 'profile') return profile;
      if (cmd === 'sub_users') return users;
      if (cmd === 'save_sub_user') return (users = [giulia]);
      if (cmd === 'delete_sub_user') return (users = []);
      return null;
    });
    render(ProfilePage);
    // The dialog's closing animation leaves pointer-events off the page for a moment.
    const user = userEvent.setup({ pointerEventsCheck: 0 });
    expect(await screen.findByTestId('profile-username')).toHaveTextContent('10093');
    expect(await screen.findByTestId('subusers-empty')).toBeInTheDocument();
    await user.click(screen.getByTestId('subuser-add'));
    const dialog = await screen.findByTestId('subuser-dialog');
    await user.click(within(dialog).getByTestId('su-save'));
    expect(within(dialog).getByTestId('su-first-error')).toHaveTextContent('Campo obbligatorio.');
    expect(calls).not.toContain('save_sub_user');
    await user.type(within(dialog).getByTestId('su-first'), 'Giulia');
    await user.type(within(dialog).getByTestId('su-last'), 'Verdi');
    await user.type(within(dialog).getByTestId('su-email'), 'g@example.it');
    await user.click(within(dialog).getByTestId('su-save'));
    const row = await screen.findByTestId('subuser-row');
    expect(row).toHaveTextContent('10093.1');

    await user.click(within(row).getByTestId('subuser-delete'));
    const confirm = await screen.findByTestId('subuser-delete-dialog');
    expect(confirm).toHaveTextContent('Eliminare il sottoutente 10093.1?');
    expect(calls).not.toContain('delete_sub_user');
    await user.click(within(confirm).getByTestId('subuser-delete-confirm'));
    expect(await screen.findByTestId('subusers-empty')).toBeInTheDocument();
    expect(calls).toContain('delete_sub_user');
  });

  it('gives a sub-user its rights: view only unless ticked, sent and listed', async () => {
    let users: SubUser[] = [{ ...giulia, rights: [] }];
    const saved: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === 'profile') return profile;
      if (cmd === 'sub_users') return users;
      if (cmd === 'save_sub_user') {
        saved.push(args);
        return (users = [{ ...giulia, rights: ['requests', 'bank'] }]);
      }
      return null;
    });
    render(ProfilePage);
    const user = userEvent.setup({ pointerEventsCheck: 0 });
    expect(await screen.findByTestId('subuser-rights')).toHaveTextContent('Solo consultazione');
    await user.click(screen.getByTestId('subuser-edit'));
    const dialog = await screen.findByTestId('subuser-dialog');
    expect(within(dialog).getByText('Senza nessuna spunta il sottoutente può solo consultare.')).toBeInTheDocument();
    const bank = within(dialog).getByLabelText('Cambiare le coordinate bancarie (IBAN) e chiedere l’estinzione anticipata');
    expect(bank).not.toBeChecked();
    await user.click(bank);
    await user.click(within(dialog).getByTestId('su-right-requests'));
    await user.click(within(dialog).getByTestId('su-save'));
    expect(await screen.findByTestId('subuser-rights')).toHaveTextContent('richieste, dati bancari');
    expect(saved).toEqual([
      {
        username: '10093.1',
        form: {
          first_name: 'Giulia',
          last_name: 'Verdi',
          email: 'g@example.it',
          secondary_email: undefined,
          language: 'it',
          rights: ['requests', 'bank'],
        },
      },
    ]);
  });

  it('shows the server refusal of a secondary e-mail on its field', async () => {
    mockIPC((cmd) => {
      if (cmd === 'profile') return profile;
      if (cmd === 'sub_users') return [];
      if (cmd === 'update_profile') return Promise.reject({ code: 'bad_request', message: 'x', fields: { secondary_email: 'invalid' } });
      return null;
    });
    render(ProfilePage);
    const user = userEvent.setup();
    await user.type(await screen.findByTestId('profile-secondary'), 'a@b.it');
    await user.click(screen.getByTestId('profile-secondary-save'));
    expect(await screen.findByTestId('profile-secondary-error')).toHaveTextContent('Valore non valido.');
  });
});

describe('Change of primary e-mail', () => {
  it('asks for the password again, sends a code to the new address and shows the confirmed one', async () => {
    const calls: string[] = [];
    mockIPC((cmd, args) => {
      calls.push(cmd);
      if (cmd === 'profile') return profile;
      if (cmd === 'sub_users') return [];
      if (cmd === 'start_email_change') {
        const change = (args as { change: { email: string; current_password: string } }).change;
        if (change.current_password !== 'Sportello-Demo-2026') {
          return Promise.reject({ code: 'bad_request', message: 'wrong', fields: { current_password: 'wrong' } });
        }
        return { change_id: 'c1', sent_to: change.email };
      }
      if (cmd === 'confirm_email_change') {
        const { code } = (args as { confirm: { code: string } }).confirm;
        return code === '123456' ? { ...profile, email: 'nuova@pec.example.it' } : Promise.reject({ code: 'invalid_code', message: 'x' });
      }
      return null;
    });
    render(ProfilePage);
    const user = userEvent.setup();
    await user.click(await screen.findByTestId('email-change'));
    await user.type(screen.getByTestId('email-new'), 'non-un-indirizzo');
    await user.click(screen.getByTestId('email-send'));
    expect(screen.getByTestId('email-new-error')).toHaveTextContent('Valore non valido.');
    expect(calls).not.toContain('start_email_change');
    await user.clear(screen.getByTestId('email-new'));
    await user.type(screen.getByTestId('email-new'), 'nuova@pec.example.it');
    await user.click(screen.getByTestId('email-send'));
    expect(screen.getByTestId('email-password-error')).toHaveTextContent('Campo obbligatorio.');
    expect(calls).not.toContain('start_email_change');
    await user.type(screen.getByTestId('email-password'), 'sbagliata');
    await user.click(screen.getByTestId('email-send'));
    expect(await screen.findByTestId('email-password-error')).toHaveTextContent('La password non è corretta.');
    await user.clear(screen.getByTestId('email-password'));
    await user.type(screen.getByTestId('email-password'), 'Sportello-Demo-2026');
    await user.click(screen.getByTestId('email-send'));
    expect(await screen.findByText('Codice inviato a nuova@pec.example.it.')).toBeInTheDocument();
    await user.type(screen.getByTestId('email-code'), '000000');
    await user.click(screen.getByTestId('email-confirm'));
    expect(await screen.findByTestId('email-error')).toHaveTextContent('Codice non corretto.');
    await user.clear(screen.getByTestId('email-code'));
    await user.type(screen.getByTestId('email-code'), '123456');
    await user.click(screen.getByTestId('email-confirm'));
    await vi.waitFor(() => expect(screen.getByTestId('profile-email')).toHaveTextContent('nuova@pec.example.it'));
  });
});
