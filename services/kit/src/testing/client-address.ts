import http, { type IncomingHttpHeaders, type Server } from 'node:http';

export interface AddressedReply {
  status: number;
  headers: IncomingHttpHeaders;
  body: any;
}

/**
 * A JSON request from a client address of our choosing: `from` is the local address the connection leaves from
 * (any 127.x.y.z on Linux, whose loopback is all of 127.0.0.0/8), so a proxy in front sees a different real client
 * for each, as it would on the internet. fetch has no such option.
 */
export function requestFrom(
  from: string,
  url: string,
  { method = 'POST', body, headers = {} }: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<AddressedReply> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method,
        localAddress: from,
        agent: false,
        headers: {
          ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
          ...headers,
        },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: text ? JSON.parse(text) : undefined }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

/**
 * A reverse proxy that does what nginx's `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for`, the ALB
 * (`append`, its default) and the gateway (http-proxy's xfwd) do: appends the address it sees to whatever
 * X-Forwarded-For the request brought. Resolves once it listens; `url` is where.
 */
export async function appendingProxy(target: string): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = http.createServer((req, res) => {
    const forwardedFor = [req.headers['x-forwarded-for'], req.socket.remoteAddress].filter(Boolean).join(', ');
    const upstream = http.request(
      new URL(req.url ?? '/', target),
      { method: req.method, headers: { ...req.headers, 'x-forwarded-for': forwardedFor }, agent: false },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
