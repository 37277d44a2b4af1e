// Swagger UI on this server's OpenAPI document (the page's Content-Security-Policy allows no inline script).
// "Authorize" takes a bearer token (POST /api/auth/token); it is kept in this page's memory only.
"use strict";
(function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null, // the default validator is a remote service: nothing leaves this server
    persistAuthorization: false,
    displayRequestDuration: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
})();
