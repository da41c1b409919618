"""Option groups every powerbridge service registers."""
