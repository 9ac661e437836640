"""Staging: local files checked and hashed into a request, then written to every region in
parallel (survey, upload, index, version record), with a report per region and file."""
