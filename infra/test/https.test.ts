import { ofType, synthesize } from './harness';

describe('a stack with a certificate', () => {
  it('serves HTTPS and redirects HTTP to it', async () => {
    const { declared, outputs } = await synthesize('prod', { 'bookstore:certificateArn': 'arn:aws:acm:eu-west-1:123456789012:certificate/abc' });
    const listeners = ofType(declared, 'aws:lb/listener:Listener');
    expect(listeners.map(({ inputs }) => [inputs.port, inputs.protocol]).sort()).toEqual([[443, 'HTTPS'], [80, 'HTTP']]);
    expect(listeners.find(({ inputs }) => inputs.port === 80)!.inputs.defaultActions[0]).toMatchObject({ type: 'redirect', redirect: { protocol: 'HTTPS', statusCode: 'HTTP_301' } });
    const rules = ofType(declared, 'aws:lb/listenerRule:ListenerRule');
    const https = listeners.find(({ inputs }) => inputs.port === 443)!;
    for (const rule of rules) expect(rule.inputs.listenerArn).toBe(https.state.arn);
    expect(outputs.albUrl).toMatch(/^https:\/\//);
  });
});
