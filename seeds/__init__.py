"""Seeds: the bundled data set's reader, deterministic generators, and the CLI that enqueues seed actors."""
