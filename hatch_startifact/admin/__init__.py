"""Administration: writing the organisation configuration (``startifact setup``) and the
least-privilege IAM (``startifact iam``)."""
