import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { Cover } from './Cover';

describe('generated covers', () => {
  it('names the book for screen readers and draws the same cover for the same book', () => {
    const { container, rerender } = render(<Cover title="The Left Hand of Darkness" author="Ursula K. Le Guin" />);
    expect(screen.getByRole('img', { name: 'Cover of The Left Hand of Darkness by Ursula K. Le Guin' })).toBeInTheDocument();
    const first = container.querySelector('rect')!.outerHTML;
    rerender(<Cover title="The Left Hand of Darkness" author="Ursula K. Le Guin" />);
    expect(container.querySelector('rect')!.outerHTML).toBe(first);
    expect(container.textContent).toContain('URSULA K. LE GUIN');
  });

  it('keeps a long title to four lines', () => {
    const { container } = render(<Cover title="A Very Long Title That Goes On and On Across Many Many Words Indeed" author="Someone" />);
    expect(container.querySelectorAll('tspan').length).toBeLessThanOrEqual(4);
  });
});
