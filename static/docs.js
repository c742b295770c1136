// The API document (/openapi.json) in Swagger UI, all of it served from static/.
(function () {
  "use strict";
  const root = document.getElementById("swagger");
  window.SwaggerUIBundle({ url: root.dataset.spec, domNode: root, deepLinking: false, validatorUrl: null });
})();
