"""The notification centre's pages: the list and the per-category settings."""
