"""Choosing the world, profile and connections of the ``qqsim`` fixture: the marker (module,
class, test, closest wins), indirect parametrization, a conftest's ``qqsim_options``, and the
errors a mistyped option gives. Run through pytester with ``--strict-markers``."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

INI = """[pytest]
asyncio_mode = strict
asyncio_default_fixture_loop_scope = function
"""


def run(pytester: pytest.Pytester, source: str, *args: str) -> pytest.RunResult:
    pytester.makeini(INI)
    pytester.makepyfile(test_options=source)
    return pytester.runpytest_subprocess("--strict-markers", "-p", "no:cacheprovider", *args)


def test_markers_choose_world_profile_and_connections(pytester: pytest.Pytester) -> None:
    result = run(pytester, """
        import pytest

        pytestmark = pytest.mark.qqsim(generate={"seed": 7, "people": 12, "groups": 2,
                                                  "bots": 2}, profile="gocq")

        def test_module_marker(qqsim):
            people = [a for a in qqsim.world.accounts.all() if not a.is_bot]
            assert len(people) == 12 and qqsim.bots == [10001, 10002]
            assert qqsim.call("get_version_info")["data"]["app_name"] == "go-cqhttp"
            kinds = sorted((e.bot_id, e.kind) for e in qqsim.endpoints)
            assert kinds == [(10001, "http"), (10001, "ws"), (10002, "http"), (10002, "ws")]
            assert all(e.url.startswith(("ws://127.0.0.1:", "http://127.0.0.1:"))
                       and e.port != 0 for e in qqsim.endpoints)

        @pytest.mark.qqsim(profile="napcat", bots=[10002], transports=["sse"])
        def test_closest_marker_wins_key_by_key(qqsim):
            assert qqsim.call("get_version_info")["data"]["app_name"] != "go-cqhttp"
            assert len(qqsim.world.accounts.all()) == 14  # the module's world is kept
            assert [(e.bot_id, e.kind) for e in qqsim.endpoints] == [(10002, "sse")]
            assert qqsim.bot == 10002

        @pytest.mark.qqsim(seed="default", generate=None, transports=())
        class TestClassMarker:
            def test_in_process_only(self, qqsim):
                assert qqsim.endpoints == []
                assert qqsim.world.groups.get(100100).name == "机器人测试群"
                assert qqsim.call("send_group_msg", {"group_id": 100100,
                                                     "message": "hi"})["status"] == "ok"
    """)
    result.assert_outcomes(passed=3)


def test_indirect_parameters_and_a_conftest_default(pytester: pytest.Pytester) -> None:
    pytester.makeconftest("""
        import pytest

        @pytest.fixture
        def qqsim_options():
            return {"token": "s3cret", "within": 2.0}
    """)
    result = run(pytester, """
        import json, urllib.request, urllib.error
        import pytest

        @pytest.mark.parametrize("qqsim", [{"profile": "gocq"}, {"profile": "napcat"}],
                                 indirect=True)
        def test_each_profile(qqsim):
            name = qqsim.call("get_version_info")["data"]["app_name"]
            assert (name == "go-cqhttp") == (qqsim.options.profile == "gocq")
            assert qqsim.options.token == "s3cret" and qqsim.options.within == 2.0

        def test_token_guards_the_listeners(qqsim):
            request = urllib.request.Request(qqsim.http_url + "/get_login_info", data=b"{}",
                                             headers={"Content-Type": "application/json"})
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(request, timeout=10)
            assert refused.value.code == 403
            assert qqsim.env()["QQSIM_TOKEN"] == "s3cret"
    """)
    result.assert_outcomes(passed=3)


def test_mistakes_are_reported_plainly(pytester: pytest.Pytester) -> None:
    result = run(pytester, """
        import pytest

        @pytest.mark.qqsim(profle="gocq")
        def test_typo(qqsim):
            pass

        @pytest.mark.qqsim(seed="no-such-world")
        def test_unknown_seed(qqsim):
            pass

        @pytest.mark.qqsim(bots=[20001])
        def test_not_a_bot(qqsim):
            pass

        @pytest.mark.qqsim(transports=["carrier-pigeon"])
        def test_unknown_transport(qqsim):
            pass
    """)
    result.assert_outcomes(errors=4)
    out = result.stdout.str()
    for said in ("ConfigError: unknown qqsim options ['profle'] (know ['seed', ",
                 "ConfigError: no seed file 'no-such-world'",
                 "ConfigError: [20001] are not bot accounts of world 'default'",
                 "ConfigError: unknown transports ['carrier-pigeon'] (know ['ws', 'http', "):
        assert said in out


def test_the_marker_is_registered_for_strict_markers(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    result = pytester.runpytest_subprocess("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.qqsim(**options): the world, profile*"])
