"""The routes: one blueprint per resource."""
