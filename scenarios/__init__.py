"""The shipped scenario library; installed inside qqsim as ``simulator.scenario_library``
(see setup.py)."""
