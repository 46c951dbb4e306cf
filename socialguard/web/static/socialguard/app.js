// SocialGuard page behaviour, loaded as an ES module from base.html (CSP: script-src 'self', so
// nothing is inline). It replaces GOV.UK Frontend's usual inline <script> snippet, starts the
// components, and keeps them working in content that HTMX swaps in.
import { initAll } from "../vendor/govuk-frontend/govuk-frontend.min.js";

// GOV.UK Frontend's components only start when <body> has this class. Module scripts only run
// in browsers that support ES modules, which is GOV.UK Frontend's own test.
document.body.classList.add("govuk-frontend-supported");

initAll();

// Swapped-in fragments: search from the parent so a swapped element that is itself a component
// (hx-swap="outerHTML" on an error summary, say) is found too. Components that were already
// running refuse a second start with an InitError, which is expected here and not worth logging.
function ignoreAlreadyStarted(error) {
  if (error.name !== "InitError") {
    console.error(error);
  }
}

document.addEventListener("htmx:afterSwap", (event) => {
  const swapped = event.target;
  if (swapped instanceof Element && swapped.isConnected) {
    initAll({ scope: swapped.parentElement ?? swapped, onError: ignoreAlreadyStarted });
  }
});

// Every HTMX request that changes something must carry Django's CSRF token. It comes from
// <meta name="csrf-token"> rather than the cookie, so it works with CSRF_COOKIE_HTTPONLY too.
document.addEventListener("htmx:configRequest", (event) => {
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (meta && meta.content) {
    event.detail.headers["X-CSRFToken"] = meta.content;
  }
});
