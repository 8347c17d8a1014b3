"""Scenarios: script a world, inject events and faults, move time, check what a bot did.

    model.py       the scenario file format (pydantic) and its JSON Schema
    loader.py      YAML → ``Scenario``, with line numbers in every error
    steps/         the step kinds, one registry (``@step("say")``)
    expect.py      matching a bot's calls and messages; nearest-miss reports
    engine.py      runs one scenario against a running simulator (trio)
    host.py        ``ScenarioHost``: the part of ``Simulator`` a run uses
    runner.py      ``qqsim test``: serves a simulator, the bot under test, results, exit code
    junit.py       JUnit XML for CI

Only ``Simulator``'s public methods are used (``ScenarioHost``), so anything a scenario
file does, a test can do too; the engine never imports ``Simulator`` (it sits below it,
and ``simulator.recorder`` checks recordings with its loader). ``runner.py`` alone sits on
the top floor with ``app`` and ``cli``: it serves. Import from the submodules; this
package module stays light.
"""
