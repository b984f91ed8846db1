// Swagger UI over this server's own OpenAPI document, from the assets of the fastapi-offline
// package served here: nothing is fetched from another host. A file, not an inline script (CSP).
window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({ url: root.dataset.spec, dom_id: "#swagger-ui", deepLinking: true });
});
