import type { Problem } from '@leadflow/core';
import { escapeHtml, formErrorPage, labelsOf, thankYouPage } from '../form-pages';

describe('the thank-you page', () => {
  it('when the form’s message holds markup, then it is shown as text', () => {
    const page = thankYouPage('<script>alert("x")</script> & \'more\'');
    expect(page).toContain(
      '<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;more&#39;</p>',
    );
    expect(page).not.toContain('<script>');
  });

  it('when the form has no message, then a plain thank-you', () => {
    expect(thankYouPage(undefined)).toContain('<p>Thank you. We received your submission.</p>');
    expect(thankYouPage('   ')).toContain('<p>Thank you. We received your submission.</p>');
  });

  it('when text has no special characters, then it is unchanged', () => {
    expect(escapeHtml('Danke schön')).toBe('Danke schön');
  });
});

describe('the page a failed plain HTML form shows', () => {
  const form = {
    fields: [{ key: 'email', label: 'Your e-mail' }],
    consents: [{ key: 'privacy', text: 'I agree to the privacy policy.' }],
  };
  const problem = (status: number, errors?: Problem['errors']): Problem => ({
    type: 'https://leadflow.dev/problems/x',
    title: 'x',
    status,
    detail: 'For developers: Retry-After, body.email',
    instance: 'urn:request:01JDQ3V6Z8R6J5X1M8T0N4K2W9',
    ...(errors ? { errors } : {}),
  });

  it('when fields are invalid, then each by the form’s label or consent text, else by its key', () => {
    const page = formErrorPage(
      problem(400, [
        { field: 'body.email', message: 'must match format "email"' },
        { field: 'body.consent_privacy', message: 'is required' },
        { field: 'body.nickname', message: 'is not an allowed field' },
        { field: 'body', message: 'must be object' },
      ]),
      undefined,
      labelsOf(form),
    );
    expect(page).toContain('<title>Your submission was not sent</title>');
    expect(page).toContain('<p>Some of what you entered needs another look.</p>');
    expect(page).toContain(
      '<ul><li>Your e-mail: must match format &quot;email&quot;</li><li>I agree to the privacy policy.: is required</li><li>nickname: is not an allowed field</li><li>The form: must be object</li></ul>',
    );
    expect(page).toContain('Reference: urn:request:01JDQ3V6Z8R6J5X1M8T0N4K2W9');
    expect(page).not.toContain('For developers');
  });

  it('when the form is not known, then the keys', () => {
    const page = formErrorPage(
      problem(400, [{ field: 'body.email', message: 'is required' }]),
      undefined,
      labelsOf(undefined),
    );
    expect(page).toContain('<li>email: is required</li>');
  });

  it('when the visitor may retry, then after how long', () => {
    const none = labelsOf(undefined);
    expect(formErrorPage(problem(429), '17', none)).toContain(
      '<p>Too many submissions came from your network just now. Please try again in 17 seconds.</p>',
    );
    expect(formErrorPage(problem(503), '2', none)).toContain(
      '<p>We could not take your submission just now. Please try again in 2 seconds.</p>',
    );
    expect(formErrorPage(problem(500), undefined, none)).toContain(
      '<p>We could not take your submission just now. Please try again later.</p>',
    );
    expect(formErrorPage(problem(404), undefined, none)).toContain(
      '<p>This form is not available any more.</p>',
    );
  });

  it('when text holds markup, then it is shown as text', () => {
    const page = formErrorPage(
      {
        ...problem(400, [{ field: 'body.<b>', message: '<script>x</script>' }]),
        instance: '<i>',
      },
      undefined,
      labelsOf(undefined),
    );
    expect(page).toContain('<li>&lt;b&gt;: &lt;script&gt;x&lt;/script&gt;</li>');
    expect(page).toContain('Reference: &lt;i&gt;');
    expect(page).not.toMatch(/<script>|<b>|<i>/);
  });
});
