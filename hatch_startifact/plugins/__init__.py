"""The plugin system: the hook specifications, the host that loads and calls plugins, and the
built-in plugins (git and CI provenance)."""
