"""The demo behind ``make demo``: LangChain and LlamaIndex pipelines on the bundled emulator or on Azure.

Run ``python -m demo``. It starts the emulator on a free loopback port, then runs, printing each step with its
timing: a LangChain chat (invoke and streamed tokens), a tool-calling agent loop, structured output into a
pydantic model, a LangChain RAG chain and a LlamaIndex ``VectorStoreIndex`` query over ``demo/corpus``, and
finally the RAG pipeline again on a second deployment profile, changed by configuration alone.

Configuration (no code change needed to point the demo elsewhere):

- ``AZURE_INFERENCE_ENDPOINT`` + ``AZURE_INFERENCE_CREDENTIAL`` (and optionally ``AZURE_INFERENCE_MODEL``,
  ``AZURE_INFERENCE_EMBEDDINGS_MODEL``, ``AZURE_INFERENCE_EMBEDDINGS_ENDPOINT``, ``AZURE_INFERENCE_ALT_MODEL``):
  run on a real deployment (profiles ``azure`` / ``azure-alt`` of ``demo/profiles.toml``) instead of the emulator.
- ``AZURE_INFERENCE_PROFILE`` / ``--profile``: the main profile; ``DEMO_SECOND_PROFILE`` / ``--second-profile``:
  the profile of the switch step. Each chat profile ``X`` has its embeddings in profile ``X-embeddings``.
- ``AZURE_INFERENCE_CONFIG``: your own profile file instead of ``demo/profiles.toml``.
"""
