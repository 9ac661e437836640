"""Configuration: the organisation's (read from SSM), the project's (``[tool.startifact]``), AWS
region names, and the one place where flags, the environment and the project are ranked."""
