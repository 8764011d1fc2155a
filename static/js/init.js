// Start the NHS.UK components (header menu, error summary focus...).
// Every page works without this file: it only improves what is there.
import { initAll } from "../dist/js/nhsuk-frontend.min.js";

initAll();
