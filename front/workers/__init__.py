"""The bridge to the workers: sending Dramatiq messages and reading their results back from Redis."""
