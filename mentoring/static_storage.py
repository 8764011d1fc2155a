"""Static files in production: hashed names, compressed copies, served by WhiteNoise."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class ManifestStaticStorage(CompressedManifestStaticFilesStorage):
    """Also rewrites the `import ... from "..."` lines of JavaScript modules to hashed
    names, so static/js/init.js imports the same hashed NHS.UK bundle the page loads
    (one copy, cached for good) rather than a second, unhashed one."""

    support_js_module_import_aggregation = True
