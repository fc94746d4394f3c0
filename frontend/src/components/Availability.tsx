import { availability } from '../money';

export function Availability({ stock }: { stock: number }) {
  const { label, tone } = availability(stock);
  return <span className={`availability availability-${tone}`}>{label}</span>;
}
