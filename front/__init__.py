"""The Sanic front door: HTTP only."""
