"""Side-by-side benchmarks: our transport and adapters against raw HTTP and the integrations users would pick.

``make bench`` (``python -m benchmarks.run``) builds ``.bench-venv/`` for the competitors, starts
``benchmarks.server`` and measures each client in its own subprocess (``benchmarks.worker``).
"""
