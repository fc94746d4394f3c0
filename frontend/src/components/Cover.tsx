import { useId } from 'react';

/** Small, stable hash of a string, to pick a palette and pattern per book. */
function hash(text: string): number {
  let value = 2166136261;
  for (const char of text) value = Math.imul(value ^ char.charCodeAt(0), 16777619);
  return value >>> 0;
}

const palettes = [
  ['#1f3a5f', '#f4d35e'], ['#6b2737', '#f7ede2'], ['#264653', '#e9c46a'], ['#3d405b', '#f2cc8f'],
  ['#2b2d42', '#ef233c'], ['#114b5f', '#f3e9d2'], ['#5f0f40', '#fb8b24'], ['#283618', '#fefae0'],
  ['#003049', '#fcbf49'], ['#432818', '#ffe6a7'],
];

/** Breaks a title into at most four lines of about `width` characters. */
function lines(text: string, width: number): string[] {
  const result: string[] = [];
  for (const word of text.split(/\s+/)) {
    const last = result[result.length - 1];
    if (last !== undefined && `${last} ${word}`.length <= width) result[result.length - 1] = `${last} ${word}`;
    else result.push(word);
  }
  return result.length > 4 ? [...result.slice(0, 3), `${result.slice(3).join(' ').slice(0, width - 1)}…`] : result;
}

/** A cover drawn from the title and author: no image is fetched, and every book looks different. */
export function Cover({ title, author, size = 'card' }: { title: string; author: string; size?: 'card' | 'large' }) {
  const seed = hash(`${title}|${author}`);
  const [background, accent] = palettes[seed % palettes.length]!;
  const pattern = (seed >> 4) % 3;
  const gradient = useId();
  const titleLines = lines(title, 14);
  return (
    <svg className={`cover cover-${size}`} viewBox="0 0 200 300" role="img" aria-label={`Cover of ${title} by ${author}`}>
      <defs>
        <linearGradient id={gradient} x1="0" y1="0" x2="1" y2="1">
          <stop offset="0" stopColor={background} />
          <stop offset="1" stopColor={background} stopOpacity="0.82" />
        </linearGradient>
      </defs>
      <rect width="200" height="300" fill={`url(#${gradient})`} />
      {pattern === 0 && <circle cx="150" cy="235" r="70" fill={accent} opacity="0.18" />}
      {pattern === 1 && [0, 1, 2, 3].map((row) => <rect key={row} x="0" y={200 + row * 18} width="200" height="6" fill={accent} opacity="0.2" />)}
      {pattern === 2 && <polygon points="0,300 200,170 200,300" fill={accent} opacity="0.16" />}
      <rect x="16" y="16" width="168" height="268" fill="none" stroke={accent} strokeOpacity="0.55" strokeWidth="1.5" />
      <text x="100" y={92 - titleLines.length * 8} textAnchor="middle" fill={accent} fontFamily="Georgia, 'Times New Roman', serif" fontSize="19" fontWeight="700">
        {titleLines.map((line, index) => (
          <tspan key={index} x="100" dy={index === 0 ? 0 : 24}>{line}</tspan>
        ))}
      </text>
      <line x1="70" x2="130" y1="176" y2="176" stroke={accent} strokeOpacity="0.6" />
      <text x="100" y="200" textAnchor="middle" fill="#ffffff" fillOpacity="0.9" fontFamily="system-ui, sans-serif" fontSize="12" letterSpacing="1.5">
        {author.toUpperCase().slice(0, 26)}
      </text>
    </svg>
  );
}
