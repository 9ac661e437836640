"""Reading what was staged, with the Read grant alone: `reader` reads the regions (the latest
version, the staged versions, a version's files), `found` is what it finds, `latest` chooses the
latest version, `legacy` finds what Startifact 1.x staged, and `downloads` downloads files
verified against their SHA-256."""
