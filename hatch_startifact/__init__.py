"""hatch-startifact: stage build artifacts to S3 in several AWS regions, with versions in SSM.

Importing this package is cheap: it imports neither boto3 nor Hatch.
"""

__version__ = "0.1.0"
