"""The examples in README.md and scenarios/README.md run as written: every scenario in a
``yaml`` block, every ``# file:`` Python block of scenarios/README.md, the ``qqsim test``
commands, and the "Acting as a person" script. (The pytest examples of README.md's testing
section run in ``test_plugin_readme.py``.)"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from simulator.cli import main
from simulator.scenarios.loader import load_text

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]
DOCS = {"README.md": ROOT / "README.md", "scenarios/README.md": ROOT / "scenarios" / "README.md"}
REFERENCE_BOT = ROOT / "tests" / "bots" / "reference_bot.py"
FENCED = re.compile(r"```(\w*)\n(.*?)```", re.DOTALL)


def blocks(doc: str, language: str) -> list[str]:
    text = DOCS[doc].read_text(encoding="utf-8")
    return [body for lang, body in FENCED.findall(text) if lang == language]


def commands(doc: str, program: str) -> list[str]:
    """Shell lines starting with ``program``, fenced or indented four spaces."""
    text = DOCS[doc].read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines()
            if line.strip().startswith(program + " ") and
            (line.startswith("    ") or line.startswith(program))]


SCENARIOS = [(doc, body) for doc in DOCS for body in blocks(doc, "yaml") if "steps:" in body]


def test_the_docs_have_the_examples_this_file_runs() -> None:
    assert len(SCENARIOS) >= 2
    assert commands("README.md", "qqsim test") and commands("scenarios/README.md", "qqsim test")
    assert [b for b in blocks("scenarios/README.md", "python") if b.startswith("# file: ")]
    assert commands("scenarios/README.md", "pytest")
    assert "curl " in blocks("README.md", "sh")[1]


#: The lints a docs example shows it earns (the README's ``burst`` shows the send-rate one).
EARNED_LINTS = {"burst": ["group-send-rate"]}


@pytest.mark.parametrize(("doc", "body"), SCENARIOS,
                         ids=[f"{doc}-{i}" for i, (doc, _) in enumerate(SCENARIOS)])
@pytest.mark.filterwarnings("ignore::simulator.lint.SendRateLint")  # asserted below instead
def test_each_scenario_in_the_docs_passes(qqsim: Any, doc: str, body: str) -> None:
    loaded = load_text(body, f"{doc} example")
    qqsim.start_bot([sys.executable, str(REFERENCE_BOT)])
    result = qqsim.run_scenario(body, bot=qqsim.bot)
    assert result.passed and result.name == loaded.name
    earned = [lint.rule for lint in qqsim.sim.lint.found]
    assert earned == EARNED_LINTS.get(loaded.name, [])


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    """A bot project: ``my_bot.py``, ``tests/bots/reference_bot.py`` and ``scenarios/``
    (the smoke scenarios of the library), as the commands in the docs expect."""
    (tmp_path / "tests" / "bots").mkdir(parents=True)
    shutil.copy(REFERENCE_BOT, tmp_path / "tests" / "bots" / "reference_bot.py")
    shutil.copy(REFERENCE_BOT, tmp_path / "my_bot.py")
    shutil.copytree(ROOT / "scenarios" / "smoke", tmp_path / "scenarios" / "smoke")
    before = Path.cwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(before)


@pytest.mark.slow
@pytest.mark.parametrize("line", sorted({line for doc in DOCS
                                         for line in commands(doc, "qqsim test")}))
def test_each_qqsim_test_command_in_the_docs_runs(project: Path, line: str) -> None:
    argv = [part.replace("python", sys.executable, 1) if part.startswith("python ") else part
            for part in shlex.split(line)[1:]]
    made_earlier = [p for p in argv[1:] if p.endswith((".yaml", ".yml")) and not Path(p).exists()]
    if made_earlier:  # e.g. a file `qqsim run --record` writes: run where that is shown
        pytest.skip(f"{made_earlier[0]} is made by an earlier step of its example")
    if "--ws-port" not in argv:  # the docs show the default ports; a test takes free ones
        argv += ["--ws-port", "0", "--http-port", "0"]
    assert main(argv) == 0
    if "--junit" in argv:
        assert "<testsuites" in (project / argv[argv.index("--junit") + 1]).read_text()
    if "--transcript-dir" in argv:
        assert list((project / argv[argv.index("--transcript-dir") + 1]).glob("*.jsonl"))


@pytest.mark.slow
def test_the_pytest_examples_of_the_scenarios_readme_pass(pytester: pytest.Pytester) -> None:
    # Its Python examples and a scenario file, in tests/, run by its `pytest` command line.
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    (pytester.path / "tests" / "bots").mkdir(parents=True)
    shutil.copy(REFERENCE_BOT, pytester.path / "tests" / "bots" / "reference_bot.py")
    shutil.copy(ROOT / "scenarios" / "smoke" / "ping_pong.yaml",
                pytester.path / "tests" / "ping_pong.qqsim.yaml")
    examples = [b for b in blocks("scenarios/README.md", "python") if b.startswith("# file: ")]
    for body in examples:
        name = body.split("\n", 1)[0].removeprefix("# file: ").strip()
        (pytester.path / "tests" / name).write_text(body, encoding="utf-8")
    [line] = commands("scenarios/README.md", "pytest")
    argv = [part.replace("python", sys.executable, 1) if part.startswith("python ") else part
            for part in shlex.split(line)[1:]]
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q", *argv, timeout=120)
    result.assert_outcomes(passed=len(examples) + 1)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("curl") is None, reason="the examples use curl")
def test_the_control_api_curl_examples_answer(tmp_path: Path) -> None:
    lines = " ".join(blocks("README.md", "sh")[1].replace("\\\n", " ").splitlines())
    calls = [c.split("#")[0].strip() for c in lines.split("curl ") if c.strip()]
    assert len(calls) >= 5, calls
    server = subprocess.Popen([sys.executable, "-m", "simulator", "run", "-q", "--http-port",
                               "0", "--ws-port", "0", "--control-port", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert server.stdout is not None
        control = None
        while control is None:
            line = server.stdout.readline()
            assert line, "qqsim stopped"
            found = re.search(r"http://127\.0\.0\.1:(\d+) +qqsim", line)
            control = found.group(1) if found else None
        for call in calls:
            argv = ["curl", "-sS", "-w", "\n%{http_code}",
                    *shlex.split(call.replace("localhost:6099", f"localhost:{control}"))]
            done = subprocess.run(argv, capture_output=True, text=True, timeout=30,
                                  check=False)
            body, _, status = done.stdout.rpartition("\n")
            # Each answers in JSON; only the recall of a made-up message id is refused.
            assert status in (("400", "404") if "recall" in call else ("200",)), (call, body)
            assert body.startswith(("{", "[")), (call, body)
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.slow
def test_the_acting_as_a_person_example_runs(tmp_path: Path) -> None:
    text = DOCS["README.md"].read_text(encoding="utf-8")
    section = text[text.index("### Python"):text.index("### HTTP")]
    script = tmp_path / "example.py"
    script.write_text(blocks_in(section, "python")[0], encoding="utf-8")
    example = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, cwd=tmp_path)
    bot = None
    try:
        assert example.stdout is not None
        first = example.stdout.readline()  # print(sim.endpoints): where to connect
        url = re.search(r"ws://127\.0\.0\.1:\d+", first)
        assert url, first
        bot = subprocess.Popen([sys.executable, str(REFERENCE_BOT)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL,
                               env={**os.environ, "QQSIM_WS_URL": url.group(0) + "/"})
        rest, _ = example.communicate(timeout=60)
    finally:
        for process in (example, bot):
            if process is not None and process.poll() is None:
                process.kill()
    assert example.returncode == 0, rest
    assert rest.splitlines() == ["李娜 [CQ:at,qq=10001] ping", "小Q pong"]


def blocks_in(text: str, language: str) -> list[str]:
    return [body for lang, body in FENCED.findall(text) if lang == language]
