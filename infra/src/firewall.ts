import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { services } from '@bookstore/kit/platform';
import type { StackSettings } from './config';

/**
 * The writes card testers and order spammers go for: registering a card (Payments' `registerCard`) and placing an order
 * (Orders' `placeOrder`), each under its service's path prefix in the routing table the ALB's rules are built from. A
 * test checks these against the operations in services/{orders,payments}/src/api/operations.ts.
 */
export const orderWrites = { method: 'POST', paths: [services.orders.pathPrefix, `${services.payments.pathPrefix}/methods`] } as const;

/**
 * The common rule set blocks any body over 8 KB (SizeRestrictions_BODY), the most AWS WAF sees of a body behind an ALB.
 * Orders' and Payments' largest valid bodies are under 5 KB (a test builds them), but Catalog's admin writes are not: a
 * book's description holds 5,000 characters, up to 15 KB in UTF-8, within the services' own 16 KB limit. So the rule only
 * counts, and the rule after the managed groups blocks what it labelled everywhere but under Catalog's prefix.
 */
export const oversizeBody = {
  rule: 'SizeRestrictions_BODY',
  label: 'awswaf:managed:aws:core-rule-set:SizeRestrictions_Body',
  allowedUnder: `${services.catalog.pathPrefix}/`,
} as const;

/**
 * How far back AWS WAF looks when it counts a client's requests, per rate rule (60, 120, 300 or 600 s): the windows the
 * settings' names say (StackSettings.waf). The order writes' is the longest there is, nearest the services' 15 minutes.
 */
export const rateWindowSeconds = { requests: 300, orderWrites: 600 } as const;

/**
 * What a client over a rate limit gets: 429 and the JSON error the services answer their own rate limits with
 * (`rate_limited`, services/kit/src/http/rate-limit.ts), which the web app shows as it is, rather than WAF's bare 403.
 */
export const rateLimitedResponse = {
  key: 'rate-limited',
  status: 429,
  body: { error: { code: 'rate_limited', message: 'too many requests from your address; wait a few minutes and try again' } },
} as const;

/** The managed rule groups, AWS's, free of subscription: generic web attacks, and request patterns known to be exploits. */
export const managedRuleGroups = ['AWSManagedRulesKnownBadInputsRuleSet', 'AWSManagedRulesCommonRuleSet'] as const;

/** The rules' names, which are also their metric names (the `Rule` dimension of AWS/WAFV2), in the order WAF runs them. */
export const ruleNames = {
  orderWrites: 'order-writes-per-ip',
  requests: 'requests-per-ip',
  knownBadInputs: 'aws-known-bad-inputs',
  common: 'aws-common',
  oversizeBody: 'oversize-body',
} as const;

/** What CloudWatch needs to find the WAF's metrics (namespace AWS/WAFV2; dimensions WebACL, Region, Rule). */
export interface FirewallMetrics {
  webAcl: string;
  rules: string[];
  orderWrites: string;
}

export interface FirewallArgs {
  namePrefix: string;
  loadBalancer: aws.lb.LoadBalancer;
  limits: StackSettings['waf'];
}

const visibility = (metricName: string) => ({ cloudwatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName });
const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * AWS WAF in front of the ALB (a regional web ACL associated with it): rate limits per client IP that hold across all
 * tasks, which the services' own per-process limits cannot, and AWS's managed rules against common attacks. Requests
 * that no rule blocks are allowed. The ALB is the first hop, so the client's address is the request's own source: never
 * X-Forwarded-For, which anyone can write.
 */
export class Firewall extends pulumi.ComponentResource {
  readonly webAcl: aws.wafv2.WebAcl;
  readonly metrics: FirewallMetrics;

  constructor(name: string, args: FirewallArgs, opts?: pulumi.ComponentResourceOptions) {
    super('bookstore:network:Firewall', name, {}, opts);
    const parent = { parent: this };
    // Its name is also its metric name: CloudWatch's WebACL dimension is one or the other depending on which AWS page you
    // read, and with both the same the dashboard and the alarm find the metrics either way.
    const webAclName = args.namePrefix;
    const block = { block: {} };
    const rateLimited = (windowSeconds: number) => ({
      block: {
        customResponse: {
          responseCode: rateLimitedResponse.status,
          customResponseBodyKey: rateLimitedResponse.key,
          // WAF lifts the block once the client's count over the window is back under the limit: at the latest, a window on.
          responseHeaders: [{ name: 'Retry-After', value: String(windowSeconds) }],
        },
      },
    });
    const managed = (
      ruleName: string,
      group: (typeof managedRuleGroups)[number],
      priority: number,
      ruleActionOverrides?: aws.types.input.wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverride[],
    ) => ({
      name: ruleName,
      priority,
      // none: the group's own actions (block) apply; `count` would turn the whole group into a report.
      overrideAction: { none: {} },
      statement: { managedRuleGroupStatement: { vendorName: 'AWS', name: group, ...(ruleActionOverrides ? { ruleActionOverrides } : {}) } },
      visibilityConfig: visibility(ruleName),
    });

    this.webAcl = new aws.wafv2.WebAcl(
      name,
      {
        name: webAclName,
        description: `${args.namePrefix}: rate limits per client IP and AWS managed rules, in front of the load balancer`,
        scope: 'REGIONAL',
        defaultAction: { allow: {} },
        customResponseBodies: [{ key: rateLimitedResponse.key, contentType: 'APPLICATION_JSON', content: JSON.stringify(rateLimitedResponse.body) }],
        visibilityConfig: visibility(webAclName),
        // Rate rules first, so that they count every request, also those a later rule blocks.
        rules: [
          {
            name: ruleNames.orderWrites,
            priority: 0,
            action: rateLimited(rateWindowSeconds.orderWrites),
            statement: {
              rateBasedStatement: {
                aggregateKeyType: 'IP',
                limit: args.limits.orderWritesPer10Minutes,
                evaluationWindowSec: rateWindowSeconds.orderWrites,
                scopeDownStatement: {
                  andStatement: {
                    statements: [
                      {
                        byteMatchStatement: {
                          fieldToMatch: { method: {} },
                          positionalConstraint: 'EXACTLY',
                          searchString: orderWrites.method,
                          textTransformations: [{ priority: 0, type: 'NONE' }],
                        },
                      },
                      {
                        regexMatchStatement: {
                          fieldToMatch: { uriPath: {} },
                          // Express answers these paths with a trailing slash too, and in any case after the service's prefix
                          // (the ALB's own match on the prefix is case-sensitive): count every spelling that can reach the handler.
                          // Counting a few that cannot (an encoded or dotted path) only limits clients that send such paths.
                          regexString: `^(${orderWrites.paths.map(escapeRegex).join('|')})/?$`,
                          textTransformations: [
                            { priority: 0, type: 'URL_DECODE' },
                            { priority: 1, type: 'NORMALIZE_PATH' },
                            { priority: 2, type: 'LOWERCASE' },
                          ],
                        },
                      },
                    ],
                  },
                },
              },
            },
            visibilityConfig: visibility(ruleNames.orderWrites),
          },
          {
            name: ruleNames.requests,
            priority: 1,
            action: rateLimited(rateWindowSeconds.requests),
            statement: {
              rateBasedStatement: { aggregateKeyType: 'IP', limit: args.limits.requestsPer5Minutes, evaluationWindowSec: rateWindowSeconds.requests },
            },
            visibilityConfig: visibility(ruleNames.requests),
          },
          managed(ruleNames.knownBadInputs, 'AWSManagedRulesKnownBadInputsRuleSet', 2),
          managed(ruleNames.common, 'AWSManagedRulesCommonRuleSet', 3, [{ name: oversizeBody.rule, actionToUse: { count: {} } }]),
          {
            name: ruleNames.oversizeBody,
            priority: 4,
            action: block,
            statement: {
              andStatement: {
                statements: [
                  { labelMatchStatement: { scope: 'LABEL', key: oversizeBody.label } },
                  {
                    notStatement: {
                      statement: {
                        byteMatchStatement: {
                          fieldToMatch: { uriPath: {} },
                          positionalConstraint: 'STARTS_WITH',
                          searchString: oversizeBody.allowedUnder,
                          // Normalized, so that /api/catalog/../orders is not taken for Catalog's.
                          textTransformations: [{ priority: 0, type: 'NORMALIZE_PATH' }],
                        },
                      },
                    },
                  },
                ],
              },
            },
            visibilityConfig: visibility(ruleNames.oversizeBody),
          },
        ],
      },
      { ...parent, deleteBeforeReplace: true },
    ); // a web ACL's name is unique in its region: the old one must go first

    new aws.wafv2.WebAclAssociation(name, { resourceArn: args.loadBalancer.arn, webAclArn: this.webAcl.arn }, parent);
    this.metrics = { webAcl: webAclName, rules: Object.values(ruleNames), orderWrites: ruleNames.orderWrites };
    this.registerOutputs({});
  }
}
