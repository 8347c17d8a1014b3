"""The bundled worlds; installed inside qqsim as ``simulator.seed_data`` (see setup.py)."""
