import { contracts, eventTypes, type EventType } from './contracts';
import { consumers, type Consumer } from './topology';

/** Each event with its producer, its consumers and what happened, as a Markdown table: README's (npm run docs writes it). */
export function eventTable(): string {
  const rows = eventTypes.map((type) => {
    const { producer, description } = contracts[type];
    return `| \`${type}\` | ${producer} | ${consumersOf(type).join(', ') || '(none yet)'} | ${description.replaceAll('|', '\\|')} |`;
  });
  return ['| Event | Producer | Consumers | What happened |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

function consumersOf(type: EventType): Consumer[] {
  return (Object.keys(consumers) as Consumer[]).filter((consumer) => (consumers[consumer].consumes as readonly EventType[]).includes(type));
}
