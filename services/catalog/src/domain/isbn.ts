/** Strips hyphens and spaces and checks the ISBN-10 or ISBN-13 check digit; returns undefined when invalid. */
export function normalizeIsbn(input: string): string | undefined {
  const isbn = input.replace(/[-\s]/g, '').toUpperCase();
  if (/^\d{13}$/.test(isbn)) {
    const sum = [...isbn].reduce((total, digit, index) => total + Number(digit) * (index % 2 === 0 ? 1 : 3), 0);
    return sum % 10 === 0 ? isbn : undefined;
  }
  if (/^\d{9}[\dX]$/.test(isbn)) {
    const sum = [...isbn].reduce((total, digit, index) => total + (digit === 'X' ? 10 : Number(digit)) * (10 - index), 0);
    return sum % 11 === 0 ? isbn : undefined;
  }
  return undefined;
}
