"""Request pages: a request with its spec and timeline, the spec as Markdown, and the open projects list."""
