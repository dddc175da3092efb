"""Test support, not shipped in the runtime package (``pyproject.toml`` excludes it): the factories
(``factories``, they need the dev-only factory_boy), thread races (``races``) and the pytest plugin."""
