import { openApiPath, rateLimits, type ApiOperation, type ServiceApi } from '@bookstore/kit';

const whoMayCall: Record<NonNullable<ApiOperation['access']> | 'anyone', string> = {
  anyone: 'anyone',
  admin: 'admin token',
  orderAccess: "the order's access token (or admin)",
};

/** Every operation of the services as a Markdown table: README's summary of the OpenAPI documents, generated from the same declarations. */
export function httpApiTable(apis: readonly ServiceApi[]): string {
  const rows = apis.flatMap(({ operations }) =>
    Object.values(operations).map((operation) => {
      const query = operation.query
        ? `?${Object.keys(operation.query.shape)
            .map((name) => `${name}=`)
            .join('&')}`
        : '';
      const route = `\`${operation.method.toUpperCase()} ${operation.path}${query}\``;
      const limited = operation.rateLimit ? `, limited per client (\`${rateLimits[operation.rateLimit].variable}\`)` : '';
      return `| ${route} | ${whoMayCall[operation.access ?? 'anyone']}${limited} | ${operation.success.status} | ${operation.summary} |`;
    }),
  );
  const documents = apis.map(({ service }) => `\`${openApiPath(service)}\``).join(', ');
  return [
    '| Route | Who may call it | Success | What it does |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
    `Each service's OpenAPI 3.1 document, with every request and answer schema and every error status: ${documents}.`,
  ].join('\n');
}
