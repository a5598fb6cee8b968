"""Registry → Markdown/HTML for the portal: project pages, the legal-aid list, the project index."""
