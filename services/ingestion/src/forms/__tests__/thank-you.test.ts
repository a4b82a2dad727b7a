import { escapeHtml, thankYouPage } from '../form-submission.routes';

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
