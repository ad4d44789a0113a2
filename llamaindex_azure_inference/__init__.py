"""LlamaIndex adapters over the shared azure_inference transport."""
