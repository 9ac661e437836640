"""Reading what was staged, with the Read grant alone: the latest version, the staged versions,
a version's files, and downloads verified against their SHA-256."""
