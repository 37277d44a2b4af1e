"""Development tooling: bringing up local services for `make up` and `make test`."""
