"""What is stored, and where: names, S3 keys and SSM names, the project index, metadata
documents, the JSON read back from AWS, and each region's bucket."""
