import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';
import { apiReference } from '../web-policy.ts';

const swaggerUi = (file: string) => fileURLToPath(import.meta.resolve(`swagger-ui-dist/${file}`));

/** Swagger UI's prebuilt files, as swagger-ui-dist ships them: the page loads them in this order, then the initializer. */
const swaggerUiStyles = [swaggerUi('swagger-ui.css'), swaggerUi('index.css')];
const swaggerUiScripts = [swaggerUi('swagger-ui-bundle.js'), swaggerUi('swagger-ui-standalone-preset.js')];
const initializer = path.join(import.meta.dirname, 'initializer.js');

/**
 * Writes the API reference (apiReference in web-policy.ts) into the build: its files as hashed assets, which
 * both servers already serve, cache and send precompressed, and the page that loads them. Not a second Vite
 * entry: that would move shared runtime chunks out of the shop's bundle and re-minify 2 MB of minified code.
 */
export function apiReferencePage(): Plugin {
  return {
    name: 'bookstore-api-reference',
    apply: 'build',
    async generateBundle() {
      const emit = async (file: string) => {
        // Named api-docs-*: swagger-ui-dist's index.css must not pass for the shop's index-*.css.
        const reference = this.emitFile({ type: 'asset', name: `api-docs-${path.basename(file)}`, source: await readFile(file) });
        return `/${this.getFileName(reference)}`;
      };
      const styles = await Promise.all(swaggerUiStyles.map(emit));
      const scripts = await Promise.all(swaggerUiScripts.map(emit));
      const initializerSrc = await emit(initializer);
      this.emitFile({
        type: 'asset',
        fileName: apiReference.page,
        source: [
          '<!doctype html>',
          '<html lang="en">',
          '  <head>',
          '    <meta charset="UTF-8" />',
          '    <meta name="viewport" content="width=device-width, initial-scale=1.0" />',
          '    <title>API reference · Bookstore</title>',
          '    <link rel="icon" type="image/svg+xml" href="/favicon.svg" />',
          ...styles.map((href) => `    <link rel="stylesheet" href="${href}" />`),
          '  </head>',
          '  <body>',
          '    <div id="swagger-ui"></div>',
          ...scripts.map((src) => `    <script src="${src}"></script>`),
          `    <script src="${initializerSrc}" data-config-url="${apiReference.configPath}"></script>`,
          '  </body>',
          '</html>',
          '',
        ].join('\n'),
      });
    },
  };
}
