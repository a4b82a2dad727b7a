import { csvCell, csvColumns, neutralise } from '../csv';

describe('CSV cells a spreadsheet opens', () => {
  it.each([
    ['=HYPERLINK("http://evil")', `'=HYPERLINK("http://evil")`],
    ['+4930123456', "'+4930123456"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['-2', "'-2"],
  ])('when a value starts like a formula (%s), then it starts with a quote', (value, shown) => {
    expect(neutralise(value)).toBe(shown);
  });

  it('when a value hides a formula behind a separator of another locale, then the formula after it is quoted too', () => {
    expect(neutralise("Max;=cmd|' /C calc'!A0;x")).toBe("Max;'=cmd|' /C calc'!A0;x");
    expect(neutralise('a,+1\t@x\n-2')).toBe("a,'+1\t'@x\n'-2");
  });

  it('when a tab or CR (itself a separator and a formula character) comes before a formula, then both are quoted', () => {
    expect(neutralise('Acme;\t=HYPERLINK("http://evil.test")')).toBe(
      `Acme;'\t'=HYPERLINK("http://evil.test")`,
    );
    expect(neutralise('x\n\r=1+1')).toBe("x\n'\r'=1+1");
    expect(neutralise('\t\t=1')).toBe("'\t'\t'=1");
  });

  it('when a value only contains those characters inside words, then it is left as it is', () => {
    expect(neutralise('Jean-Pierre Dupont, CEO; a+b=c')).toBe('Jean-Pierre Dupont, CEO; a+b=c');
  });

  it('when a cell holds a separator, a quote or a line break, then it is quoted as RFC 4180 says', () => {
    expect(csvCell('Comma, Inc')).toBe('"Comma, Inc"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('x;=1')).toBe("x;'=1");
  });

  it('when a custom field is named like a built-in column, then its header says custom., so no two columns share a name', () => {
    const { header } = csvColumns(['status', 'budget', 'source']);
    const names = header.trim().split(',');
    expect(names.slice(-3)).toEqual(['custom.status', 'budget', 'custom.source']);
    expect(new Set(names).size).toBe(names.length);
  });
});
