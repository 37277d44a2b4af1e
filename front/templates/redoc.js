// ReDoc on this server's OpenAPI document (the page's Content-Security-Policy allows no inline script).
"use strict";
(function () {
  var root = document.getElementById("redoc");
  Redoc.init(root.getAttribute("data-spec-url"), { hideDownloadButton: false, expandResponses: "200,201" }, root);
})();
