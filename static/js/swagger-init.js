// Starts Swagger UI on /docs. A file rather than an inline script, so that the page's CSP holds (script-src 'self').
const root = document.getElementById("swagger-ui");

window.ui = window.SwaggerUIBundle({
  url: root.dataset.openapiUrl,
  domNode: root,
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  // Swagger UI's validator badge is an image from swagger.io: off, so the page makes no request elsewhere.
  validatorUrl: null,
  presets: [window.SwaggerUIBundle.presets.apis],
});
