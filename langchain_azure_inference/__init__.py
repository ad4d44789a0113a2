"""LangChain adapters over the shared azure_inference transport."""
