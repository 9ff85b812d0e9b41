import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { clearMocks } from '@tauri-apps/api/mocks';
import { ipc, ALL_RIGHTS } from './testIpc';
import LoginPage from './LoginPage.svelte';
import ForgotPage from './ForgotPage.svelte';
import RecoverPage from './RecoverPage.svelte';
import ResetCodePage from './ResetCodePage.svelte';
import RegisterPage from './RegisterPage.svelte';
import FirstPasswordPage from './FirstPasswordPage.svelte';
import { i18n } from '../i18n/index.svelte';

const refuse = (code: string, fields?: Record<string, string>) => () => Promise.reject({ code, message: code, fields });
const GOOD = 'una password lunga e sicura';

beforeEach(() => {
  i18n.lang = 'it';
});

afterEach(() => {
  cleanup();
  clearMocks();
});

async function typeContract(user: ReturnType<typeof userEvent.setup>) {
  await user.type(screen.getByLabelText('Numero di contratto'), '4010234');
  await user.type(screen.getByLabelText('Numero modulo'), '1');
  await user.type(screen.getByLabelText('Codice fiscale o partita IVA'), '01234567897');
}

describe('LoginPage links', () => {
  it('offers the forgotten password, the locked login and the registration', async () => {
    ipc({});
    const [onForgot, onLocked, onRegister] = [vi.fn(), vi.fn(), vi.fn()];
    render(LoginPage, { props: { onChallenge: vi.fn(), onForgot, onLocked, onRegister } });
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Password dimenticata?' }));
    await user.click(screen.getByRole('button', { name: 'Login bloccata?' }));
    await user.click(screen.getByRole('button', { name: 'Non hai ancora un accesso? Registrati' }));
    expect([onForgot.mock.calls.length, onLocked.mock.calls.length, onRegister.mock.calls.length]).toEqual([1, 1, 1]);
    expect(screen.queryByText(/Rivolgiti al servizio clienti/)).toBeNull();
  });
});

describe('ForgotPage', () => {
  it('asks for a name before sending anything', async () => {
    const calls = ipc({});
    render(ForgotPage, { props: { onStarted: vi.fn(), onCancel: vi.fn() } });
    await userEvent.setup().click(screen.getByRole('button', { name: 'Invia le istruzioni' }));
    expect(screen.getByRole('alert')).toHaveTextContent('Scrivi il nome utente o l’indirizzo e-mail.');
    expect(calls).toEqual([]);
  });

  it('sends the e-mail address as given, trimmed, and hands over the reset', async () => {
    const started = { reset_id: 'r-1' };
    const calls = ipc({ request_reset: () => started });
    const onStarted = vi.fn();
    render(ForgotPage, { props: { onStarted, onCancel: vi.fn() } });
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Nome utente o indirizzo e-mail (PEC)'), '  amministrazione@pec.rossi.it ');
    await user.click(screen.getByRole('button', { name: 'Invia le istruzioni' }));
    expect(calls).toEqual([{ cmd: 'request_reset', args: { request: { username: 'amministrazione@pec.rossi.it' } } }]);
    expect(onStarted).toHaveBeenCalledWith(started);
  });
});

describe('RecoverPage', () => {
  it('names every missing field and sends nothing', async () => {
    const calls = ipc({});
    render(RecoverPage, { props: { onStarted: vi.fn(), onCancel: vi.fn() } });
    await userEvent.setup().click(screen.getByRole('button', { name: 'Recupera l’accesso' }));
    expect(screen.getAllByText('Campo obbligatorio.')).toHaveLength(3);
    expect(calls).toEqual([]);
  });

  it('marks a tax code the server cannot read', async () => {
    ipc({ recover: refuse('bad_request', { tax_code: 'invalid' }) });
    render(RecoverPage, { props: { onStarted: vi.fn(), onCancel: vi.fn() } });
    const user = userEvent.setup();
    await typeContract(user);
    await user.click(screen.getByRole('button', { name: 'Recupera l’accesso' }));
    expect(await screen.findByTestId('tax-code-refused')).toHaveTextContent('Codice fiscale o partita IVA non valido.');
    expect(screen.getByLabelText('Codice fiscale o partita IVA')).toHaveAttribute('aria-invalid', 'true');
  });

  it('sends the contract data and hands over where the code went', async () => {
    const started = { reset_id: 'r-2' };
    const calls = ipc({ recover: () => started });
    const onStarted = vi.fn();
    render(RecoverPage, { props: { onStarted, onCancel: vi.fn() } });
    const user = userEvent.setup();
    await typeContract(user);
    await user.click(screen.getByRole('button', { name: 'Recupera l’accesso' }));
    expect(calls[0]).toEqual({
      cmd: 'recover',
      args: { request: { contract_no: '4010234', module_no: '1', tax_code: '01234567897' } },
    });
    expect(onStarted).toHaveBeenCalledWith(started);
  });
});

describe('ResetCodePage', () => {
  const props = () => ({ started: { reset_id: 'r-3' }, onDone: vi.fn(), onAgain: vi.fn(), onCancel: vi.fn() });

  async function fill(code: string, password: string, confirm = password) {
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Codice di 6 cifre'), code);
    await user.type(screen.getByLabelText('Nuova password'), password);
    await user.type(screen.getByLabelText('Ripeti la nuova password'), confirm);
    await user.click(screen.getByRole('button', { name: 'Salva la password' }));
  }

  it('says where the code went without naming it, and refuses a short code or a mismatch before sending', async () => {
    const calls = ipc({});
    render(ResetCodePage, { props: props() });
    expect(screen.getByTestId('reset-sent')).toHaveTextContent('all’indirizzo registrato');
    await fill('123', GOOD, GOOD + 'x');
    expect(screen.getByText('Il codice è di 6 cifre.')).toBeInTheDocument();
    expect(screen.getByText('Le due password non coincidono.')).toBeInTheDocument();
    expect(calls).toEqual([]);
  });

  it('sets the password with the code and its reset id', async () => {
    const calls = ipc({ complete_reset: () => null });
    const p = props();
    render(ResetCodePage, { props: p });
    await fill('123456', GOOD);
    expect(calls).toEqual([{ cmd: 'complete_reset', args: { reset: { reset_id: 'r-3', code: '123456', new_password: GOOD } } }]);
    expect(p.onDone).toHaveBeenCalledOnce();
  });

  it('after an expired code offers only a new one, in English too', async () => {
    ipc({ complete_reset: refuse('code_expired') });
    i18n.lang = 'en';
    render(ResetCodePage, { props: props() });
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('6-digit code'), '123456');
    await user.type(screen.getByLabelText('New password'), GOOD);
    await user.type(screen.getByLabelText('Repeat the new password'), GOOD);
    await user.click(screen.getByRole('button', { name: 'Save the password' }));
    expect(await screen.findByTestId('reset-code-error')).toHaveTextContent('The code has expired or was already used');
    expect(screen.getByTestId('reset-code-submit')).toBeDisabled();
    expect(screen.getByTestId('reset-again')).toHaveClass('primary');
  });
});

describe('RegisterPage', () => {
  async function register(email: string) {
    const user = userEvent.setup();
    await typeContract(user);
    await user.type(screen.getByLabelText('Indirizzo e-mail'), email);
    await user.click(screen.getByRole('button', { name: 'Registrati' }));
  }

  it('refuses an address that is not one before sending', async () => {
    const calls = ipc({});
    render(RegisterPage, { props: { onCancel: vi.fn() } });
    await register('rossi-at-pec');
    expect(screen.getByText('Scrivi un indirizzo e-mail valido.')).toBeInTheDocument();
    expect(calls).toEqual([]);
  });

  it('tells a company it needs a PEC', async () => {
    ipc({ register: refuse('bad_request', { email: 'pec_required' }) });
    render(RegisterPage, { props: { onCancel: vi.fn() } });
    await register('info@rossi.it');
    expect(await screen.findByTestId('pec-required')).toHaveTextContent('Per una società serve un indirizzo PEC.');
  });

  it('explains the wait before a registration can be repeated', async () => {
    ipc({ register: refuse('registration_pending', { retry_after_minutes: '42' }) });
    render(RegisterPage, { props: { onCancel: vi.fn() } });
    await register('amministrazione@pec.rossi.it');
    expect(await screen.findByTestId('register-error')).toHaveTextContent('potrai ripetere la registrazione tra 42 minuti');
  });

  it('sends the data with the window language and says where the credentials went', async () => {
    const calls = ipc({ register: () => ({ sent_to: 'a***@pec.rossi.it', pending_approval: false }) });
    render(RegisterPage, { props: { onCancel: vi.fn() } });
    await register('amministrazione@pec.rossi.it');
    expect(await screen.findByTestId('register-done')).toHaveTextContent('Abbiamo inviato a a***@pec.rossi.it il nome utente');
    expect(calls[0]!.args).toEqual({
      form: { contract_no: '4010234', module_no: '1', tax_code: '01234567897', email: 'amministrazione@pec.rossi.it', language: 'it' },
    });
  });
});

describe('FirstPasswordPage', () => {
  const me = { username: '10093', display_name: 'Mario Rossi', customer_name: 'Studio', language: 'it', must_change_password: true, rights: ALL_RIGHTS };

  async function choose(current: string, password: string) {
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Password temporanea'), current);
    await user.type(screen.getByLabelText('Nuova password'), password);
    await user.type(screen.getByLabelText('Ripeti la nuova password'), password);
    await user.click(screen.getByRole('button', { name: 'Salva e continua' }));
  }

  it('says the temporary password is wrong', async () => {
    ipc({ change_password: refuse('bad_request', { current_password: 'wrong' }) });
    const onDone = vi.fn();
    render(FirstPasswordPage, { props: { me, onDone, onLoggedOut: vi.fn() } });
    await choose('Temp-0000', GOOD);
    expect(await screen.findByTestId('current-password-wrong')).toHaveTextContent('La password temporanea non è corretta.');
    expect(onDone).not.toHaveBeenCalled();
  });

  it('refuses a password containing the username before sending', async () => {
    const calls = ipc({});
    render(FirstPasswordPage, { props: { me, onDone: vi.fn(), onLoggedOut: vi.fn() } });
    await choose('Temp-0000', 'utente 10093 di Rossi');
    expect(screen.getByText('La password non deve contenere il nome utente.')).toBeInTheDocument();
    expect(calls).toEqual([]);
  });

  it('changes the password and goes on with the user it returns', async () => {
    const after = { ...me, must_change_password: false, rights: ALL_RIGHTS };
    const calls = ipc({ change_password: () => after });
    const onDone = vi.fn();
    render(FirstPasswordPage, { props: { me, onDone, onLoggedOut: vi.fn() } });
    expect(screen.getByTestId('first-access-intro')).toHaveTextContent('10093');
    await choose('Temp-0000', GOOD);
    expect(calls).toEqual([{ cmd: 'change_password', args: { change: { current_password: 'Temp-0000', new_password: GOOD } } }]);
    expect(onDone).toHaveBeenCalledWith(after);
  });
});

describe('RegisterPage by category', () => {
  async function chooseNewCustomer() {
    const user = userEvent.setup();
    await user.click(screen.getByRole('radio', { name: 'Nuovo cliente' }));
    return user;
  }

  it('asks for every required field before sending', async () => {
    const calls = ipc({});
    render(RegisterPage, { props: { onCancel: vi.fn() } });
    const user = await chooseNewCustomer();
    await user.click(screen.getByRole('button', { name: 'Registrati' }));
    expect(screen.getByText('Compila tutti i campi obbligatori.')).toBeInTheDocument();
    expect(screen.getByTestId('reg-name-error')).toHaveTextContent('Campo obbligatorio.');
    expect(calls).toEqual([]);
  });

  it('sends the category, the billing data under the same name and tax code, and says it waits for an operator', async () => {
    const calls = ipc({
      register_by_category: () => ({ sent_to: 's***@pec.geometri.example', pending_approval: true }),
    });
    render(RegisterPage, { props: { onCancel: vi.fn() } });
    const user = await chooseNewCustomer();
    await user.click(screen.getByTestId('category-company'));
    await user.type(screen.getByLabelText(/Ragione sociale/), 'Geometri Associati S.r.l.');
    await user.type(screen.getByLabelText(/Codice fiscale o partita IVA/), '02468130154');
    await user.type(screen.getByLabelText(/Indirizzo e-mail/), 'studio@pec.geometri.example');
    await user.type(screen.getByLabelText(/Indirizzo/, { selector: '#b-street' }), 'Via Roma 1');
    await user.type(screen.getByTestId('b-postcode'), '31100');
    await user.type(screen.getByLabelText(/Città|Comune/, { selector: '#b-city' }), 'Treviso');
    await user.type(screen.getByLabelText(/Provincia/, { selector: '#b-province' }), 'TV');
    await user.type(screen.getByLabelText(/Codice convenzione/), 'GEOM-PC');
    await user.click(screen.getByRole('button', { name: 'Registrati' }));
    expect(await screen.findByTestId('register-done')).toHaveTextContent('un operatore la verificherà');
    expect(screen.getByRole('heading', { name: 'Registrazione ricevuta' })).toBeInTheDocument();
    const form = calls[0]!.args.form as Record<string, unknown>;
    expect(form).toMatchObject({
      category: 'company', name: 'Geometri Associati S.r.l.', tax_code: '02468130154', agreement_code: 'GEOM-PC', language: 'it',
      billing: { name: 'Geometri Associati S.r.l.', tax_code: '02468130154', street: 'Via Roma 1', postcode: '31100', city: 'Treviso', province: 'TV', sdi_code: '0000000' },
    });
  });

  it('shows the server’s refusal on its field', async () => {
    ipc({ register_by_category: refuse('bad_request', { tax_code: 'company_expected', 'billing.postcode': 'invalid' }) });
    render(RegisterPage, { props: { onCancel: vi.fn() } });
    const user = await chooseNewCustomer();
    await user.type(screen.getByLabelText(/Nome e cognome/), 'Mario Rossi');
    await user.type(screen.getByLabelText(/Codice fiscale o partita IVA/), '02468130154');
    await user.type(screen.getByLabelText(/Indirizzo e-mail/), 'mario@example.it');
    await user.type(screen.getByLabelText(/Indirizzo/, { selector: '#b-street' }), 'Via Roma 1');
    await user.type(screen.getByTestId('b-postcode'), '3110');
    await user.type(screen.getByLabelText(/Città|Comune/, { selector: '#b-city' }), 'Treviso');
    await user.type(screen.getByLabelText(/Provincia/, { selector: '#b-province' }), 'TV');
    await user.click(screen.getByRole('button', { name: 'Registrati' }));
    expect(await screen.findByTestId('reg-tax-code-error')).toHaveTextContent('Un’azienda si registra con la partita IVA');
    expect(screen.getByTestId('b-postcode-error')).toHaveTextContent('Valore non valido.');
  });
});
