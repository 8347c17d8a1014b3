"""Start-up mistakes are one line each a person can act on, exit status 2, no traceback:
a misspelt or useless onebot11.json, a seed file with its file:line:column, a generated
world that cannot be built."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.cli import main
from simulator.config import parse_onebot_config
from simulator.errors import ConfigError
from simulator.world import WorldSpec, load_spec


def _fails(capsys: pytest.CaptureFixture[str], *argv: str) -> list[str]:
    """Run ``qqsim ARGV`` in-process; it must stop with status 2. Its stderr lines."""
    assert main(list(argv)) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err.strip().splitlines()


def _run(*flags: str) -> list[str]:
    return ["run", "-q", "--control-port", "-1", "--http-port", "0", "--ws-port", "0", *flags]


# -- onebot11.json -------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ('{"network": {"websocketServer": [{"name": "w", "enable": true}]}}',
     "network.websocketServer: unknown key (did you mean 'websocketServers'?)"),
    ("{network: {httpServers: [{name: 'h', enable: true, prot: 3000}]}}",
     "network.httpServers[0].prot: unknown key (did you mean 'port'?)"),
    ('{"netwrok": {}}', "netwrok: unknown key (did you mean 'network'?)"),
    ('{"network": {"httpServers": [{"name": "h", "enable": true, "port": "x"}]}}',
     "network.httpServers[0].port: Input should be a valid integer"),
])
def test_a_config_mistake_names_the_key(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                        text: str, expected: str) -> None:
    config = tmp_path / "onebot11.json"
    config.write_text(text, encoding="utf-8")
    lines = _fails(capsys, *_run("--config", str(config)))
    assert len(lines) == 1
    assert lines[0].startswith(f"qqsim: {config}: {expected}")


def test_a_config_with_no_enabled_adapter_is_refused(capsys: pytest.CaptureFixture[str],
                                                     tmp_path: Path) -> None:
    config = tmp_path / "onebot11.json"
    config.write_text('{"network": {"websocketServers": [{"name": "w", "enable": false}],'
                      ' "httpServers": [{"name": "h"}]}}', encoding="utf-8")
    assert _fails(capsys, *_run("--config", str(config))) == [
        f'qqsim: {config}: no adapter is enabled (2 entries in network, none with "enable": '
        'true), so no bot could connect']


def test_keys_napcat_knows_elsewhere_are_dropped_as_napcat_does() -> None:
    # reportSelfMessage belongs to other adapter kinds; timeout is read by NapCat only.
    config = parse_onebot_config('{"network": {"httpServers": [{"name": "h", "enable": true,'
                                 ' "reportSelfMessage": true}]}, "timeout": {"maxTimeout": 1},'
                                 ' "imageDownloadProxy": ""}')
    assert [a.name for a in config.network.enabled()] == ["h"]


def test_every_misspelt_key_is_listed() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_onebot_config('{"netwrk": {}, "timeout": {"baseTimeot": 1}}', "x.json")
    assert str(caught.value).splitlines() == [
        "x.json: netwrk: unknown key (did you mean 'network'?)",
        "x.json: timeout.baseTimeot: unknown key (did you mean 'baseTimeout'?)",
    ]


# -- seed files ----------------------------------------------------------------------

ACCOUNTS = """\
name: mine
accounts:
  - {user_id: 10001, nickname: bot, bot: true}
  - {user_id: 20001, nickname: a}
  - {user_id: 20003, nickname: c}
"""


@pytest.mark.parametrize(("tail", "expected"), [
    ("groups:\n  - group_id: 1\n    name: g\n    owner: 20001\n    members:\n"
     "      - 10001\n      - {user_id: 20003}\n      - 20003\n",
     ":13:9: groups[0].members[2]: 20003 is listed twice in group 1 (first as members[1])"),
    ("groups:\n  - {group_id: 1, name: g, owner: 20001, members: [20001]}\n",
     ":7:52: groups[0].members[0]: 20001 owns group 1, so is a member already: drop it "
     "from members"),
    ("groups:\n  - {group_id: 1, name: g, owner: 20009}\n",
     ":7:28: groups[0].owner: the owner 20009 of group 1 is not in accounts"),
    ("friends:\n  - [10001, 20001]\n  - [20001, 10001]\n",
     ":8:5: friends[1]: 20001 and 10001 are listed as friends twice"),
    ("  - {user_id: 20001, nickname: again}\n",
     ":6:6: accounts[3].user_id: account 20001 is listed twice (first as accounts[1])"),
    ("  - {user_id: 20004, nickname: d, sexx: male}\n",
     ":6:35: accounts[3].sexx: unknown key 'sexx' (did you mean 'sex'?)"),
    ("groups:\n  - {group_id: 1, name: g}\n", ":7:5: groups[0].owner: 'owner' is required"),
    ("groups: [\n", ":7:1: not valid YAML"),
])
def test_a_seed_mistake_has_its_line_and_column(capsys: pytest.CaptureFixture[str],
                                                tmp_path: Path, tail: str,
                                                expected: str) -> None:
    seed = tmp_path / "mine.yaml"
    seed.write_text(ACCOUNTS + tail, encoding="utf-8")
    lines = _fails(capsys, *_run("--seed", str(seed)))
    assert len(lines) == 1
    assert lines[0].startswith(f"qqsim: {seed}{expected}")


def test_a_good_seed_still_loads(tmp_path: Path) -> None:
    seed = tmp_path / "mine.yaml"
    seed.write_text(ACCOUNTS + "groups:\n  - {group_id: 1, name: g, owner: 20001, "
                    "members: [10001, {user_id: 20003, role: admin}]}\n", encoding="utf-8")
    spec = load_spec(str(seed))
    assert [m.user_id for m in spec.groups[0].members] == [10001, 20003]


def test_an_inconsistent_spec_in_code_says_what_is_wrong() -> None:
    with pytest.raises(ValueError, match="20003 is listed twice in group 1"):
        WorldSpec.model_validate({
            "accounts": [{"user_id": 20001, "nickname": "a"}, {"user_id": 20003,
                                                              "nickname": "c"}],
            "groups": [{"group_id": 1, "name": "g", "owner": 20001, "members": [20003, 20003]}],
        })


# -- generated worlds ----------------------------------------------------------------


@pytest.mark.parametrize(("flags", "expected"), [
    (("--people", "0"), "qqsim: --generate: 5 groups need people to own them"),
    (("--people", "-1"), "qqsim: --people: Input should be greater than or equal to 0"),
    (("--bots", "10001"), "qqsim: --bots: Input should be less than or equal to 10000"),
    (("--people", "20000000"), "qqsim: --people: Input should be less than or equal to"),
    (("--group-size", "0"), "qqsim: --group-size: Input should be greater than or equal to 1"),
    (("--people", "0", "--groups", "0", "--messages", "10"),
     "qqsim: --generate: 10 messages need a chat to go to"),
    (("--locale", "xx_XX"), "qqsim: --locale: Faker knows no locale 'xx_XX'"),
])
def test_an_impossible_generated_world_is_one_line(capsys: pytest.CaptureFixture[str],
                                                   flags: tuple[str, ...],
                                                   expected: str) -> None:
    for command in (_run("--generate", "1", *flags), ["seed", "--generate", "1", *flags]):
        if "--messages" in flags and command[0] == "seed":
            continue  # a seed file holds no history: refused for that reason first
        lines = _fails(capsys, *command)
        assert len(lines) == 1
        assert lines[0].startswith(expected)
