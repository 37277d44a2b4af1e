"""Redis: cache-aside reads, job records and results, notifications, rate limits."""
