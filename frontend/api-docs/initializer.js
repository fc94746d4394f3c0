/* global SwaggerUIBundle, SwaggerUIStandalonePreset */
// Swagger UI's stock initializer (swagger-ui-dist/swagger-initializer.js) as a file of its own: the API reference's
// Content-Security-Policy allows no inline script. The documents to choose from come from the configuration at
// data-config-url, which the gateway and nginx derive from the routing table.
SwaggerUIBundle({
  configUrl: document.currentScript.dataset.configUrl,
  dom_id: '#swagger-ui',
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  plugins: [SwaggerUIBundle.plugins.DownloadUrl],
  layout: 'StandaloneLayout',
  // No badge from the public validator: the page talks to its own origin only.
  validatorUrl: null,
});
