/* Swagger UI for /api/v1/docs (ninja's bundled copy; no inline script). The Authorize button uses the
 * platform's OIDC provider: authorization code with PKCE (S256), the redirect page served from our
 * site. Register a public client whose redirect URI is <site>/api/v1/oauth2-redirect.html. */
const page = document.querySelector("body").dataset;
const config = JSON.parse(document.getElementById("swagger-settings").textContent);

config.dom_id = "#swagger-ui";
config.presets = [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset];
config.oauth2RedirectUrl = new URL(page.oauth2Redirect, window.location.origin).href;
if (page.apiCsrf && page.csrfToken) {
    config.requestInterceptor = (request) => {
        request.headers["X-CSRFToken"] = page.csrfToken;
        return request;
    };
}

const ui = SwaggerUIBundle(config);
// The demo county registers this public client (govplus seed_demo); elsewhere type your own client id.
ui.initOAuth({clientId: "govplus-api-docs", usePkceWithAuthorizationCodeGrant: true, scopes: ["openid"]});
