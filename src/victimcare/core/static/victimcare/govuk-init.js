// Starts GOV.UK Frontend's components. A file rather than an inline script, so that the
// Content-Security-Policy allows scripts from this site only (see README, Security).
import { initAll } from "../govuk/govuk-frontend.min.js";

initAll();
