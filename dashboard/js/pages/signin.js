import { t } from '../i18n.js';
import { html, render } from '../ui.js';

/** Sign-in: the token is typed once (a password field, so it is not echoed or autofilled into the URL). */
export function signInPage(main, { message, signIn }) {
  const draw = (msg, busy = false) =>
    render(
      html`<section class="signin">
        <h1>${t('signIn')}</h1>
        ${msg ? html`<p class="notice error" role="alert" data-testid="signin-message">${msg}</p>` : ''}
        <form method="post" action="#" @submit=${submit}>
          <label for="token">${t('token')}</label>
          <input
            id="token"
            name="token"
            type="password"
            autocomplete="off"
            spellcheck="false"
            required
            minlength="8"
            autofocus
          />
          <p class="muted" id="token-help">${t('tokenHelp')}</p>
          <button type="submit" ?disabled=${busy}>${t('signIn')}</button>
        </form>
      </section>`,
      main,
    );

  async function submit(e) {
    e.preventDefault();
    const input = e.target.elements.token;
    const token = input.value.trim();
    input.value = '';
    draw('', true);
    const error = await signIn(token);
    if (error) draw(error);
  }

  draw(message);
  main.querySelector('#token')?.focus();
}
