"""`flask users create`: the operator's way to make the first accounts."""

from __future__ import annotations


def test_users_create_help_describes_only_options_that_exist(runner):
    result = runner.invoke(args=["users", "create", "--help"])
    assert result.exit_code == 0
    assert "--password" not in result.output  # the probe found the help offering one
    assert "temporary password" in result.output and "set-up link" in result.output
