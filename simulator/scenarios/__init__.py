"""Scenarios: script a world, inject events and faults, move time, check what a bot did.

    model.py       the scenario file format (pydantic) and its JSON Schema
    loader.py      YAML → ``Scenario``, with line numbers in every error
    steps/         the step kinds, one registry (``@step("say")``)
    expect.py      matching a bot's calls and messages; nearest-miss reports
    engine.py      runs one scenario against a running ``Simulator`` (trio)
    runner.py      ``qqsim test``: worlds, the bot under test, results, exit code
    junit.py       JUnit XML for CI
    transcript.py  the JSON-lines record of a run

Only ``Simulator``'s public methods are used, so anything a scenario file does,
a test can do too. Import from the submodules; this package module stays
light because ``app`` imports the transcript from here.
"""
